"""`grade-all`: every student of a folder, each graded by its own `grade` process.

One process per submission keeps the students apart (and lets -j N run them in
parallel); a submission whose grading fails or hangs gets a results.json with
score 0 and the reason, and the rest go on.  Finished students (a readable
results.json with a score) are skipped on re-runs; a student whose grading failed on
the grader's side (crash, timeout: tagged ``ERROR_TEST``) is graded again.
grades.csv is rewritten atomically at the end from the results kept in memory (see
grade_all).

Entries: every folder, ``.py`` file and archive (.tar.gz, .tgz, .tar, .zip) of the
folder, except names starting with ``.`` or ``_``; other files are listed as ignored.
A student's id is the entry's name without extension, made printable (bytes that are
not UTF-8 and control characters become U+FFFD) and unique (``~2``, ``~3``, ...).
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
from grader.confine import HIDE_ENV
from grader.submission import ARCHIVE_SUFFIXES, student_id

PER_SUBMISSION_TIMEOUT = 900  # seconds; grading one normally takes 10-30 s
# The one test of a results.json written when the grader itself failed (not the
# submission): such a student is not finished, and a re-run grades them again.
ERROR_TEST = "grader: grading this submission did not finish"
_LEGACY_ERROR = "The autograder could not finish grading this submission"


def printable_id(name: str) -> str:
    """``name`` as text that prints and encodes anywhere (a CSV cell, a terminal)."""
    text = os.fsencode(name).decode("utf-8", "replace")
    return "".join(c if c.isprintable() else "\ufffd" for c in text) or "_"


def _is_entry(name: str, path: str) -> bool:
    return os.path.isdir(path) or name.endswith((*ARCHIVE_SUFFIXES, ".py"))


def entries(folder: str) -> list[tuple[str, str]]:
    """(student id, path) for every student entry in ``folder``, sorted by id."""
    found: dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith((".", "_")) or not _is_entry(name, path):
            continue
        sid = printable_id(student_id(path))
        if sid in found:
            sid = printable_id(name)  # two entries with the same stem: keep both apart
        base, n = sid, 2
        while sid in found:  # names that differ only in bytes made printable
            sid, n = f"{base}~{n}", n + 1
        found[sid] = path
    return sorted(found.items())


def ignored(folder: str) -> list[str]:
    """Names in ``folder`` that grade-all does not grade (printable)."""
    return [printable_id(name) for name in sorted(os.listdir(folder))
            if not name.startswith((".", "_"))
            and not _is_entry(name, os.path.join(folder, name))]


def error_results(message: str, seconds: float = 0.0) -> dict:
    """results.json when the grader (not the submission) failed: score 0, tagged."""
    data = report.failed_results(message, seconds)
    data["tests"][0]["name"] = ERROR_TEST
    data["extra_data"] = {"hw3_status": "error"}
    return data


def status_of(data: dict) -> str:
    """"error" (the grader failed), "no-submission" (nothing gradable) or "graded"."""
    tests = data.get("tests") if isinstance(data.get("tests"), list) else []
    extra = data.get("extra_data") if isinstance(data.get("extra_data"), dict) else {}
    one = tests[0] if len(tests) == 1 and isinstance(tests[0], dict) else {}
    if extra.get("hw3_status") == "error" or one.get("name") == ERROR_TEST or (
            # written before failures were tagged: same test name as a missing ops.py
            str(data.get("output", "")).startswith(_LEGACY_ERROR)
            and str(one.get("name", "")).startswith("submission:")):
        return "error"
    if str(one.get("name", "")).startswith("submission:"):
        return "no-submission"
    return "graded"


def _not_loadable(data: dict) -> bool:
    return status_of(data) == "no-submission"


def read_results(out_dir: str) -> dict | None:
    """OUT_DIR/results.json if it is a JSON object with a numeric score, else None."""
    path = os.path.join(out_dir, "results.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("score"), (int, float)) \
        and not isinstance(data.get("score"), bool) else None


def finished(out_dir: str) -> dict | None:
    """The results of a student whose grading is done (not a grader-side failure)."""
    data = read_results(out_dir)
    return data if data is not None and status_of(data) != "error" else None


def add_note(data: dict, note: str) -> dict:
    """Append ``note`` (the isolation warning) to the top-level output."""
    output = str(data.get("output") or "")
    if note and note not in output:  # `grade` may have added it already
        data["output"] = (output + "\n\n" + note).strip()
    return data


def grade_entry(path: str, hide=(), note: str = "",
                timeout: float = PER_SUBMISSION_TIMEOUT) -> tuple[str, dict]:
    """Grade one entry in its own `grade` process; (status, results).

    ``hide``: folders the submission's process must not see (the class's submissions
    and results); ``note``: appended to the output of the results."""
    from grader.sandbox import owner_tag

    private = tempfile.mkdtemp(prefix=f"hw3-grade-all-{owner_tag()}-")
    out, scratch = os.path.join(private, "out"), os.path.join(private, "tmp")
    os.mkdir(scratch)
    start = time.monotonic()
    cmd = [sys.executable, "-m", "grader", "grade", path, "--out", out]
    # The `grade` process makes its temp folders (the copied submission, the sandboxes'
    # folders) in `scratch`: removed below even when it was killed and could not.
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "PYTHONIOENCODING": "utf-8:backslashreplace",
        "TMPDIR": scratch}
    hidden = [os.path.abspath(p) for p in hide if p]
    if hidden:
        env[HIDE_ENV] = os.pathsep.join([*hidden, *filter(None, [env.get(HIDE_ENV)])])
    try:
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout,
                                  env=env, stdin=subprocess.DEVNULL)
            data = read_results(out) if proc.returncode == 0 else None
            detail = (proc.stderr or proc.stdout).decode(errors="replace")[-1500:]
        except subprocess.TimeoutExpired:
            data, detail = None, f"grading took longer than {timeout:g} s"
    finally:
        shutil.rmtree(private, ignore_errors=True)
    if data is None or status_of(data) == "error":
        data = error_results(
            f"{_LEGACY_ERROR}; the course staff will look at it. ({detail.strip()})",
            time.monotonic() - start)
    return status_of(data), add_note(data, note)


def grade_one(sid: str, path: str, out: str, hide=(), note: str = ""
              ) -> tuple[str, str, dict]:
    """Grade one entry into OUT/<sid>/results.json; (id, status, results)."""
    status, data = grade_entry(path, hide, note)
    write_json(os.path.join(out, sid, "results.json"), data)
    return sid, status, data


def write_grades(out: str, results: dict[str, dict], status: dict[str, str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "score", "max_score", "status"])
    for sid in sorted(results):
        data = results[sid]
        w.writerow([printable_id(sid), f"{float(data['score']):g}",
                    f"{float(data.get('max_score', 100)):g}", status.get(sid, "graded")])
    path = os.path.join(out, "grades.csv")
    write_text(path, buf.getvalue())
    return path


def isolation_note() -> str:
    """The warning every results.json of this run carries when isolation is incomplete."""
    from grader.confine import status

    return status().message


def grade_all(folder: str, out: str, jobs: int = 1, force: bool = False) -> int:
    if not os.path.isdir(folder):
        raise UsageError(f"{folder} is not a folder. Give a folder holding one entry per "
                         "student (an ops.py, a folder, or an archive each).")
    todo = entries(folder)
    if not todo:
        raise UsageError(f"{folder} holds no submissions (.py files, folders, or .tar.gz/"
                         ".tgz/.tar/.zip archives; names starting with '.' or '_' are "
                         "skipped).")
    os.makedirs(out, exist_ok=True)
    from grader.sandbox import remove_stale_folders

    remove_stale_folders()  # of an earlier grade-all (or grade) killed before it cleaned up
    for stream in (sys.stdout, sys.stderr):  # ids are printable, but maybe not in ASCII
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    before = snapshot(out)
    note = isolation_note()
    if note:
        print(note, file=sys.stderr, flush=True)
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
            status[sid] = status_of(done)
    skipped = ignored(folder)
    if skipped:
        print(f"ignored (not a .py file, folder or archive): {', '.join(skipped)}",
              flush=True)
    print(f"{len(todo)} submissions, {len(results)} already graded, grading {len(pending)} "
          f"with {jobs} job(s).", flush=True)
    start = time.monotonic()
    hide = (folder, out)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for n, (sid, state, data) in enumerate(
                pool.map(lambda e: grade_one(e[0], e[1], out, hide, note), pending), 1):
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
    errors = sorted(sid for sid, s in status.items() if s == "error")
    print(f"done in {time.monotonic() - start:.0f} s; gradebook: {path}"
          + (f"; grading failed (run grade-all again to retry): {', '.join(errors)}"
             if errors else ""))
    if note:
        print(note, file=sys.stderr, flush=True)
    return 0
