"""What run_autograder runs on Gradescope: grade the submission, write results.json.

    python -m grader.gradescope.run [--root /autograder]

Reads ``ROOT/submission`` (whatever the student uploaded: the hw3-submission.tar.gz
of `make submit`, an ops.py, or a folder with one) and writes
``ROOT/results/results.json``.  Whatever happens, a results.json is written: if
grading itself fails, it says so with a score of 0 rather than leaving Gradescope
with nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.submission import ARCHIVE_SUFFIXES

GRADE_TIMEOUT = 1200  # seconds; grading one submission normally takes 10-30 s


def pick_submission(folder: Path) -> Path:
    """The thing to grade in Gradescope's submission folder."""
    archives = sorted(p for p in folder.iterdir()
                      if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES))
    ops = [p for p in folder.rglob("ops.py") if "__MACOSX" not in p.parts]
    if len(archives) == 1 and not ops:
        return archives[0]
    if not ops and archives:
        # several archives: prefer the one `make submit` names
        named = [p for p in archives if p.name.startswith("hw3-submission")]
        return (named or archives)[0]
    return folder


def _fallback(message: str, seconds: float) -> dict:
    try:
        from grader.report import failed_results

        return failed_results(message, seconds)
    except Exception:  # the grader itself is broken: still tell Gradescope something
        return {"score": 0.0, "execution_time": round(seconds, 2), "output": message,
                "tests": []}


def _isolation_note() -> str:
    """The sandbox's warning when it cannot confine submissions here ("" when it can)."""
    try:
        from grader.confine import status

        return status().message
    except Exception:  # noqa: BLE001 - never lose the results over the warning
        return ""


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope.run")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    root = args.root
    results = root / "results" / "results.json"
    start = time.monotonic()
    submission = root / "submission"
    if not submission.is_dir() or not any(submission.iterdir()):
        _write(results, _fallback("Nothing was submitted. Upload hw3-submission.tar.gz "
                                  "(made by `make submit`) or your ops.py.", 0.0))
        return 0
    target = pick_submission(submission)
    with tempfile.TemporaryDirectory(prefix="hw3-gradescope-") as out:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "grader", "grade", str(target), "--out", out],
                capture_output=True, text=True, timeout=GRADE_TIMEOUT, stdin=subprocess.DEVNULL)
            detail = (proc.stderr or proc.stdout).strip()[-1500:]
        except subprocess.TimeoutExpired:
            proc, detail = None, f"grading took longer than {GRADE_TIMEOUT} s"
        produced = Path(out) / "results.json"
        try:
            data = json.loads(produced.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "score" not in data:
                raise ValueError("no score")
        except (OSError, ValueError):
            status = "timed out" if proc is None else f"exit status {proc.returncode}"
            data = _fallback("The autograder could not grade this submission "
                             f"({status}); the course staff will look at it. {detail}",
                             time.monotonic() - start)
    note = _isolation_note()
    if note and isinstance(data, dict):
        data["output"] = (str(data.get("output") or "") + "\n\n" + note).strip()
    _write(results, data)
    print(f"graded {target.name}: {data.get('score')} / {data.get('max_score')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
