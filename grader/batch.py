"""`grade-all`: every student of a folder, each graded by its own `grade` process.

One process per submission keeps the students apart (and lets -j N run them in
parallel); a submission whose grading fails or hangs gets a results.json with
score 0 and the reason, and the rest go on.  Finished students (a readable
results.json with a score) are skipped on re-runs; grades.csv is rewritten
atomically at the end from every results.json present.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from grader import report
from grader.atomic import write_json, write_text
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


def grade_one(sid: str, path: str, out: str) -> tuple[str, str]:
    target = os.path.join(out, sid)
    os.makedirs(target, exist_ok=True)
    start = time.monotonic()
    cmd = [sys.executable, "-m", "grader", "grade", path, "--out", target]
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))}
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=PER_SUBMISSION_TIMEOUT,
                              env=env, stdin=subprocess.DEVNULL)
        ok = proc.returncode == 0 and finished(target) is not None
        detail = (proc.stderr or proc.stdout).decode(errors="replace")[-1500:]
    except subprocess.TimeoutExpired:
        ok, detail = False, f"grading took longer than {PER_SUBMISSION_TIMEOUT} s"
    if not ok:
        write_json(os.path.join(target, "results.json"), report.failed_results(
            "The autograder could not finish grading this submission; the course staff "
            f"will look at it. ({detail.strip()})", time.monotonic() - start))
        return sid, "error"
    return sid, "graded"


def write_grades(out: str, ids: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "score", "max_score", "status"])
    for sid in ids:
        data = finished(os.path.join(out, sid))
        if data is None:
            w.writerow([sid, "", "", "missing"])
            continue
        status = "graded"
        tests = data.get("tests") or []
        if len(tests) == 1 and str(tests[0].get("name", "")).startswith("submission:"):
            status = "error"
        w.writerow([sid, f"{data['score']:g}", f"{data.get('max_score', 100):g}", status])
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
    pending = [(sid, p) for sid, p in todo
               if force or finished(os.path.join(out, sid)) is None]
    skipped = len(todo) - len(pending)
    print(f"{len(todo)} submissions, {skipped} already graded, grading {len(pending)} "
          f"with {jobs} job(s).", flush=True)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, (sid, status) in enumerate(
                pool.map(lambda e: grade_one(e[0], e[1], out), pending), 1):
            data = finished(os.path.join(out, sid)) or {}
            print(f"[{n}/{len(pending)}] {sid}: {data.get('score', 0):g} ({status})", flush=True)
    path = write_grades(out, [sid for sid, _ in todo])
    print(f"done in {time.monotonic() - start:.0f} s; gradebook: {path}")
    return 0
