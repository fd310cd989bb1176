"""What run_autograder runs on Gradescope: grade the submission, write results.json.

    python -m instructor.gradescope.run [--root /autograder]

run_autograder has already written a provisional results.json (score 0, "grading did
not finish") before this starts, so one exists even when Gradescope kills the run.
This grades ``ROOT/submission`` (the hw3-submission.tar.gz of `make submit`, an
ops.py, or a folder holding one) with ``python -m grader grade`` and replaces it with
that results.json, whose visible parts hold public results and a public subtotal
only (grader/feedback.py).  Nothing is added to them: everything meant for the staff
(what `grade` prints, the sandbox's isolation warning among it, and why grading
failed, if it did) goes to stdout, which Gradescope shows the staff only
(``stdout_visibility: hidden``).
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

# Below Gradescope's default limit (10 minutes), so a slow grade still ends in a
# results.json saying so; grading one submission normally takes 10-30 s.
GRADE_TIMEOUT = float(os.environ.get("HW3_GRADE_TIMEOUT", 540))
NOTHING = ("Nothing was submitted. Upload hw3-submission.tar.gz (made by `make submit`) "
           "or your ops.py.")
FAILED = ("The autograder could not grade this submission; the course staff will look at "
          "it.")


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


def failed(message: str, seconds: float) -> dict:
    try:
        from grader.feedback import failed_results

        return failed_results(message, seconds)
    except Exception:  # noqa: BLE001 - the grader itself is broken: still tell Gradescope
        return {"score": 0.0, "execution_time": round(seconds, 2), "output": message,
                "visibility": "visible", "tests": []}


def grade(target: Path, start: float) -> dict:
    """results.json of ``python -m grader grade``; its output goes to stdout (staff)."""
    with tempfile.TemporaryDirectory(prefix="hw3-gradescope-") as out:
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "grader", "grade", str(target), "--out", out],
                capture_output=True, text=True, timeout=GRADE_TIMEOUT,
                stdin=subprocess.DEVNULL)
            status = f"exit status {proc.returncode}"
            print(proc.stdout + proc.stderr, end="", flush=True)
        except subprocess.TimeoutExpired as err:
            status = f"stopped after {GRADE_TIMEOUT:g} s"
            print(f"{err.stdout or ''}{err.stderr or ''}", flush=True)
        try:
            data = json.loads((Path(out) / "results.json").read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "score" not in data:
                raise ValueError("no score")
        except (OSError, ValueError) as err:
            print(f"staff: no usable results.json from grade ({status}; {err})", flush=True)
            return failed(FAILED, time.monotonic() - start)
    return data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.gradescope.run")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    args = parser.parse_args(argv)
    from hw3.atomic import write_json

    start = time.monotonic()
    results = args.root / "results" / "results.json"
    submission = args.root / "submission"
    if not submission.is_dir() or not any(submission.iterdir()):
        data, target = failed(NOTHING, 0.0), submission
    else:
        target = pick_submission(submission)
        data = grade(target, start)
    data["stdout_visibility"] = "hidden"  # staff-only text lives there
    write_json(results, data)
    print(f"graded {target.name}: {data.get('score')} / {data.get('max_score')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
