"""`grade-all`: every student of a folder, each graded by its own `grade` process.

One process per submission keeps the students apart (and lets -j N run them in
parallel); a submission whose grading fails or hangs gets a results.json with
score 0 and the reason, and the rest go on.  Finished students (a readable
results.json with a score) are skipped on re-runs; grades.csv is rewritten
atomically at the end from the results kept in memory (see grade_all).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from grader import report
from grader.atomic import remove_planted, snapshot, write_json, write_text
from grader.cli import UsageError
from grader.submission import ARCHIVE_SUFFIXES, student_id

PER_SUBMISSION_TIMEOUT = 900  # seconds; grading one normally takes 10-30 s


def entries(folder: str) -> list[tuple[str, str]]:
    """(student id, path) for every student entry in ``folder``, sorted by id."""
    found: dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith((".", "_")):
            continue
        if os.path.isdir(path) or name.endswith((*ARCHIVE_SUFFIXES, ".py")):
            sid = student_id(path)
            if sid in found:
                sid = name  # two entries with the same stem: keep both apart
            found[sid] = path
    return sorted(found.items())


def finished(out_dir: str) -> dict | None:
    path = os.path.join(out_dir, "results.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("score"), (int, float)) \
        else None


def grade_one(sid: str, path: str, out: str) -> tuple[str, str, dict]:
    """Grade one entry in its own `grade` process; (id, status, results)."""
    private = tempfile.mkdtemp(prefix="hw3-grade-all-")
    start = time.monotonic()
    cmd = [sys.executable, "-m", "grader", "grade", path, "--out", private]
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))}
    try:
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=PER_SUBMISSION_TIMEOUT,
                                  env=env, stdin=subprocess.DEVNULL)
            data = finished(private) if proc.returncode == 0 else None
            detail = (proc.stderr or proc.stdout).decode(errors="replace")[-1500:]
        except subprocess.TimeoutExpired:
            data, detail = None, f"grading took longer than {PER_SUBMISSION_TIMEOUT} s"
    finally:
        shutil.rmtree(private, ignore_errors=True)
    status = "graded"
    if data is None:
        status = "error"
        data = report.failed_results(
            "The autograder could not finish grading this submission; the course staff "
            f"will look at it. ({detail.strip()})", time.monotonic() - start)
    elif _not_loadable(data):
        status = "no-submission"
    write_json(os.path.join(out, sid, "results.json"), data)
    return sid, status, data


def _not_loadable(data: dict) -> bool:
    tests = data.get("tests") or []
    return len(tests) == 1 and str(tests[0].get("name", "")).startswith("submission:")


def write_grades(out: str, results: dict[str, dict], status: dict[str, str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "score", "max_score", "status"])
    for sid in sorted(results):
        data = results[sid]
        w.writerow([sid, f"{float(data['score']):g}", f"{float(data.get('max_score', 100)):g}",
                    status.get(sid, "graded")])
    path = os.path.join(out, "grades.csv")
    write_text(path, buf.getvalue())
    return path


def grade_all(folder: str, out: str, jobs: int = 1, force: bool = False) -> int:
    if not os.path.isdir(folder):
        raise UsageError(f"{folder} is not a folder. Give a folder holding one entry per "
                         "student (an ops.py, a folder, or an archive each).")
    todo = entries(folder)
    if not todo:
        raise UsageError(f"{folder} holds no submissions (.py files, folders, or .tar.gz/"
                         ".tgz/.tar/.zip archives).")
    os.makedirs(out, exist_ok=True)
    before = snapshot(out)
    # Results live in memory; at the end every results.json and grades.csv is
    # rewritten from it, so nothing a submission wrote into OUT while it ran survives.
    results: dict[str, dict] = {}
    status: dict[str, str] = {}
    pending = []
    for sid, path in todo:
        done = None if force else finished(os.path.join(out, sid))
        if done is None:
            pending.append((sid, path))
        else:
            results[sid] = done
            status[sid] = "no-submission" if _not_loadable(done) else "graded"
    print(f"{len(todo)} submissions, {len(results)} already graded, grading {len(pending)} "
          f"with {jobs} job(s).", flush=True)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, (sid, state, data) in enumerate(
                pool.map(lambda e: grade_one(e[0], e[1], out), pending), 1):
            results[sid], status[sid] = data, state
            print(f"[{n}/{len(pending)}] {sid}: {float(data['score']):g} ({state})", flush=True)
    for sid, data in results.items():
        write_json(os.path.join(out, sid, "results.json"), data)
    path = write_grades(out, results, status)
    ours = [os.path.join(out, sid, "results.json") for sid in results] + [path]
    planted = remove_planted(out, before, ours)
    if planted:
        print(f"removed {len(planted)} file(s) written into {out} during grading "
              "(not the grader's).", flush=True)
    print(f"done in {time.monotonic() - start:.0f} s; gradebook: {path}")
    return 0
