"""`python -m grader`: test (students), grade and grade-all (instructors), reference."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DESCRIPTION = """\
The HW3 autograder.

Students:     python -m grader test            (or: make test)
              checks starter/ops.py with the public tests and prints a table per op
              (forward / backward / properties), your estimated score, and the first
              problem of each op in plain words.
Instructors:  python -m grader grade SUB --out DIR
              python -m grader grade-all DIR --out OUT -j 2   (or: make grade SUBMISSIONS=DIR)

Scoring: public tests (what `make test` runs) + hidden tests (only where
instructor/hidden exists), with the points of hw3/registry.py. `python -m grader
rubric` lists every test with its points. The same submission always gets the same
score.

Outputs: `grade` writes DIR/results.json (Gradescope's schema, feedback per test);
`grade-all` writes OUT/<student>/results.json and OUT/grades.csv (score, status,
per-op and per-category points) and, when re-run, regrades exactly the students
whose submission, grader or rubric changed (`--only ID` regrades one student,
`--force` everyone).  Each entry of DIR is one student: an
`<id>.py` (an ops.py), a folder `<id>/` holding ops.py (or one hand-in archive), or
an archive `<id>.tar.gz` / .tgz / .tar / .zip; names starting with `.` or `_` are
skipped, and anything else is listed as ignored.  On the patas cluster, one job per
student: `make condor-grade SUBMISSIONS=DIR`, then `make condor-grade-merge` (the same
grades.csv; see condor/README.md).  Gradescope: `make autograder`.

Exit status: 0 whenever grading completed, whatever the scores; 2 for bad input
(no such submission or folder); 1 if the grader itself failed.

Isolation: student code never runs in the grader's process.  It runs in a child
process (clean environment, private temp folder, no network) limited to 5 s per op
call, 40-60 s per training run, 3 GB of memory (less in a smaller machine or
container: 512 MB in Gradescope's 768 MB), 64 processes and 16 MB per written file,
with its output drained and capped; every verdict is computed here.  A hang or crash
costs the checks it hit, and a fresh child runs the rest.
"""


class UsageError(Exception):
    """Bad command-line input: printed as one paragraph, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m grader", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("test", help="run the public tests on your ops (the student's view)",
                       description="Run the public rubric tests on an ops.py and print a "
                       "table per op (forward / backward / properties), the estimated score "
                       "out of the public points, and the first problem of each op. Exit "
                       "status 0 when everything passes, 1 otherwise.")
    t.add_argument("path", nargs="?", default=os.path.join(ROOT, "starter", "ops.py"),
                   help="ops.py to test, or a folder holding it (default: starter/ops.py)")
    t.add_argument("--hidden", action="store_true",
                   help="also run the hidden tests (instructors; absent in the student release)")

    g = sub.add_parser("grade", help="grade one submission into DIR/results.json",
                       description="Grade one submission with the public and hidden tests and "
                       "write DIR/results.json (Gradescope schema: score, max_score, "
                       "execution_time, output, tests). SUB is an ops.py, a folder holding "
                       "one, or a `make submit` archive (hw3-submission.tar.gz; also .tgz, "
                       ".tar, .zip). Exit status 0 whenever grading completed, whatever the "
                       "score; 2 if SUB does not exist.")
    g.add_argument("sub", metavar="SUB", help="ops.py, folder, or archive")
    g.add_argument("--out", required=True, metavar="DIR", help="folder for results.json")
    g.add_argument("--public-only", action="store_true", help="skip the hidden tests")

    a = sub.add_parser("grade-all", help="grade every submission in a folder; grades.csv",
                       description="Grade every entry of DIR (one per student: an ops.py, a "
                       "folder, or an archive; the student id is its name without the "
                       "extension) into OUT/<id>/results.json, then write OUT/grades.csv. "
                       "Resumable: students with a finished results.json are skipped (use "
                       "--force to regrade). One submission failing never stops the others.")
    a.add_argument("dir", metavar="DIR", help="folder with one entry per student")
    a.add_argument("--out", required=True, metavar="OUT", help="output folder")
    a.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="grade N submissions in parallel (default 1)")
    a.add_argument("--force", action="store_true", help="regrade students already graded")

    r = sub.add_parser("rubric", help="print the rubric: every test and its points",
                       description="List every rubric test (public and hidden) with its "
                       "rubric item and points, and the totals; --markdown prints the table "
                       "of the handout, --json a machine-readable list.")
    r.add_argument("--markdown", action="store_true", help="the handout's table")
    r.add_argument("--json", action="store_true", help="one JSON object per test")

    return p


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "test":
            return cmd_test(args.path, args.hidden)
        if args.command == "grade":
            return cmd_grade(args.sub, args.out, hidden=not args.public_only)
        if args.command == "grade-all":
            from grader.batch import grade_all

            if args.jobs < 1:
                raise UsageError(f"-j must be at least 1 (got {args.jobs}).")
            return grade_all(args.dir, args.out, args.jobs, args.force)
        if args.command == "rubric":
            return cmd_rubric(args.markdown, args.json)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130
    return 0


def cmd_test(path: str, hidden: bool) -> int:
    from grader import feedback, submission
    from grader.runner import run_rubric

    work = tempfile.mkdtemp(prefix="hw3-test-")
    try:
        try:
            ops = submission.locate(path, work)
        except FileNotFoundError:
            raise UsageError(f"{path} does not exist. Give the path of your ops.py (default "
                             "starter/ops.py) or of a folder holding it.") from None
        except submission.NoSubmission as err:
            raise UsageError(f"{err} Give the path of your ops.py.") from None
        outcomes, seconds = run_rubric(ops, hidden=hidden)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    shown = os.path.relpath(ops, os.getcwd()) if not ops.startswith(work) else path
    print(feedback.table(outcomes, f"HW3 tests for {shown}  ({seconds:.1f} s)"))
    return 0 if all(o.passed for o in outcomes) else 1


def cmd_grade(sub: str, out: str, hidden: bool = True) -> int:
    from grader import feedback, stamp, submission
    from grader.planted import remove_planted, snapshot
    from grader.runner import run_rubric
    from hw3.atomic import write_json

    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} exists and is not a folder; give a folder for "
                         "results.json.")
    if not os.path.lexists(sub):
        raise UsageError(f"{sub} does not exist: give an ops.py, a folder holding one, or a "
                         "hw3-submission.tar.gz archive.")
    start = time.monotonic()
    warn_if_starter_is_written()
    before = snapshot(out) if os.path.isdir(out) else set()
    # The folders around an archive or folder submission (classmates' hand-ins) are
    # hidden from its process, like those around an ops.py (grader/runner.py).
    from grader.confine import HIDE_ENV, folders_around

    os.environ[HIDE_ENV] = os.pathsep.join(
        [*filter(None, os.environ.get(HIDE_ENV, "").split(os.pathsep)),
         *folders_around(os.path.join(os.path.abspath(sub), "ops.py")
                         if os.path.isdir(sub) else os.path.abspath(sub))])
    target = os.path.join(out, "results.json")
    meta = {"submission_sha256": "" if os.path.islink(sub) else stamp.submission_sha256(sub),
            "grader_version": stamp.grader_version(), "rubric_hash": stamp.rubric_hash(),
            "hidden_tests": bool(hidden)}
    # Until grading finishes, results.json says so (a run killed from outside leaves this).
    write_json(target, with_meta(feedback.failed_results(UNFINISHED), {**meta,
                                                                       "status": "error"}))
    work = tempfile.mkdtemp(prefix="hw3-grade-")
    try:
        try:
            ops = submission.locate(sub, work)
        except submission.NoSubmission as err:
            msg = f"Your submission could not be graded: {err} Hand in with `make submit`."
            write_json(target, with_meta(feedback.failed_results(msg, time.monotonic() - start),
                                         {**meta, "status": "no-submission"}))
            print(msg)
            return 0
        try:
            outcomes, _ = run_rubric(ops, hidden=hidden)
        except Exception as err:  # noqa: BLE001 - the grader's own failure, not the student's
            print(f"error: the grader could not run its tests ({err}); the results say so. "
                  "Check the installation with `make check`.", file=sys.stderr)
            return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.monotonic() - start
    results = feedback.results_json(outcomes, seconds)
    note = isolation_note()
    public = [o for o in outcomes if not o.hidden]
    results = with_meta(results, {
        **meta, "status": "graded", "seconds": round(seconds, 2), "isolation": note,
        "public_score": sum(o.points for o in public if o.passed),
        "public_max": sum(o.points for o in public)})
    # Written last, after the sandbox is gone, so nothing the submission wrote survives.
    write_json(target, results)
    remove_planted(out, before, [target])
    if note:
        print(note, file=sys.stderr)  # staff only: never in what students see
    print(f"{sub}: {results['score']:g} / {results['max_score']:g} ({seconds:.1f} s)")
    return 0


UNFINISHED = ("The autograder did not finish grading this submission (it was stopped before "
              "it could write results); the course staff will look at it.")


def with_meta(results: dict, meta: dict) -> dict:
    """``results`` with the grading record in ``extra_data.hw3`` (what a gradebook reads
    to tell a fresh grade from a stale one; staff-only, never shown to students)."""
    extra = dict(results.get("extra_data") or {})
    extra["hw3"] = {**extra.get("hw3", {}), **meta}
    return {**results, "extra_data": extra}


def isolation_note() -> str:
    """The staff-only warning when the sandbox cannot confine submissions here."""
    from grader.confine import status

    return status().message


def warn_if_starter_is_written() -> None:
    """Grading next to a starter that holds real ops is risky: on a machine where the
    sandbox cannot hide it, a submission could import it."""
    from hw3.ops_loader import NAMED, unwritten
    from hw3.registry import NAMES

    written = sorted(set(NAMES) - set(unwritten(NAMED["starter"])))
    if written:
        print(f"warning: starter/ops.py is not the stub ({', '.join(written)} written). The "
              "sandbox hides it from submissions where it can confine them; restore it with "
              "`git checkout starter/ops.py` before building a release or a bundle.",
              file=sys.stderr)


def cmd_rubric(markdown: bool, as_json: bool) -> int:
    import json

    from grader import rubric_table

    if as_json:
        print(json.dumps(rubric_table.rows(), indent=1))
    elif markdown:
        print(rubric_table.markdown())
    else:
        print(rubric_table.text())
    return 0
