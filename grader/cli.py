"""`python -m grader`: test (students), grade and grade-all (instructors), reference."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

from hw3.cli_help import Parser
from hw3.errors import NOT_UTF8, UTF8_ADVICE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DESCRIPTION = """\
The HW3 autograder.

Students:     python -m grader test            (or: make test)
              checks starter/ops.py with the public tests and prints a table per op
              (forward / backward / properties), your estimated score, and the first
              problem of each op in plain words.
Instructors:  python -m grader grade SUB --out DIR
              python -m grader grade-all DIR --out OUT -j 2   (or: make grade SUBMISSIONS=DIR)
              python -m grader gradebook OUT                  (or: make gradebook)
              python -m instructor.report OUT                 (or: make report)

Scoring: public tests (what `make test` runs) + hidden tests (only where
instructor/hidden exists), with the points of hw3/registry.py. `python -m grader
rubric` lists every test with its points. The same submission always gets the same
score.

Outputs: `grade` writes DIR/results.json (Gradescope's schema, feedback per test;
extra_data.hw3 records the submission's sha256, the grader's version and the
rubric's hash).  `grade-all` writes OUT/<student>/results.json and OUT/grades.csv:
student, score, max_score, status (graded, no-submission, error), points per op and
per category, adjustments, final.  Re-run, it regrades exactly the students whose
submission changed, and everyone when the grader or the rubric did (`--only ID`
regrades one student, `--force` everyone).  Each entry of DIR is one student: an
`<id>.py` (an ops.py), a folder `<id>/` holding ops.py (or one hand-in archive), or
an archive `<id>.tar.gz` / .tgz / .tar / .zip; names starting with `.` or `_` are
skipped, and anything else is listed as ignored.

Gradebook: an adjustments file (--adjustments FILE, else OUT/adjustments.csv; CSV
with the header student,points,reason, e.g. `alice,-5,late by one day`) is added to
the score in `final`; a roster (--roster FILE, else OUT/roster.csv: Canvas's columns
Student, ID, SIS User ID, SIS Login ID, Section, and our ids in a `student` column)
makes OUT/canvas.csv for Canvas's Grades > Import.  Every file is written atomically
with the umask's permissions (umask 002: group-readable for co-TAs), the replaced
version is kept in OUT/.history/, and a gradebook from results that do not match the
rubric is refused (exit 1), leaving the old one as it was.  `gradebook OUT` rewrites
grades.csv (and canvas.csv) from OUT's results.json files without grading.

On the patas cluster, one job per student: `make condor-grade SUBMISSIONS=DIR`, then
`make condor-grade-merge` (the same gradebook code; see condor/README.md).
Gradescope: `make autograder`.

Exit status: 0 whenever grading completed, whatever the scores; 2 for bad input
(no such submission or folder, a bad adjustments file or roster); 1 if the grader
itself failed or a gradebook was refused.

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
    p = Parser(prog="python -m grader", description=DESCRIPTION,
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
                       "Re-runs regrade exactly what changed: a student whose submission "
                       "changed (sha256), everyone when the grader or the rubric changed, and "
                       "students whose grading failed. One submission failing never stops "
                       "the others. Exit status 0 when the gradebook was written, 1 when it "
                       "was refused (results not matching the rubric; the old one stands), "
                       "2 for bad input.")
    a.add_argument("dir", metavar="DIR", help="folder with one entry per student")
    a.add_argument("--out", required=True, metavar="OUT", help="output folder")
    a.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="grade N submissions in parallel (default 1)")
    a.add_argument("--force", action="store_true", help="regrade every student")
    a.add_argument("--only", action="append", default=[], metavar="ID",
                   help="regrade this student even if up to date (repeatable)")
    gradebook_options(a)

    b = sub.add_parser("gradebook", help="rewrite OUT/grades.csv (and canvas.csv) from OUT",
                       description="Write OUT/grades.csv (and, with a roster, OUT/canvas.csv) "
                       "from every OUT/<student>/results.json, without grading: after "
                       "editing the adjustments, or adding a roster. The previous files are "
                       "kept in OUT/.history/. Refused (exit 1, nothing written) when any "
                       "results do not match the rubric of hw3/registry.py.")
    b.add_argument("out", metavar="OUT", help="a graded folder (grade-all's --out)")
    gradebook_options(b)

    r = sub.add_parser("rubric", help="print the rubric: every test and its points",
                       description="List every rubric test (public and hidden) with its "
                       "rubric item and points, and the totals; --markdown prints the table "
                       "of the handout, --json a machine-readable list.")
    r.add_argument("--markdown", action="store_true", help="the handout's table")
    r.add_argument("--json", action="store_true", help="one JSON object per test")
    r.add_argument("--write-handout", metavar="README",
                   help="rewrite the rubric block of this handout (hw3/README.md)")

    return p


def gradebook_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--adjustments", metavar="FILE",
                   help="CSV student,points,reason (late penalties, regrades, extensions) "
                   "added to the score in the `final` column (default: OUT/adjustments.csv "
                   "if it exists)")
    p.add_argument("--roster", metavar="FILE",
                   help="CSV mapping our ids (`student` column, else `SIS Login ID`) to "
                   "Canvas's Student, ID, SIS User ID, SIS Login ID, Section: writes "
                   "OUT/canvas.csv for Canvas's gradebook import (default: OUT/roster.csv if "
                   "it exists)")
    p.add_argument("--assignment", default="HW3", metavar="NAME",
                   help="the Canvas column of the grade (default HW3; 'HW3 (12345)' names "
                   "an existing Canvas assignment by its id)")


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
            return grade_all(args.dir, args.out, args.jobs, args.force, args.only,
                             args.adjustments, args.roster, args.assignment)
        if args.command == "gradebook":
            return cmd_gradebook(args.out, args.adjustments, args.roster, args.assignment)
        if args.command == "rubric":
            return cmd_rubric(args.markdown, args.json, args.write_handout)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if getattr(args, "command", None) == "grade-all":
            print(f"interrupted: the students graded so far keep their results in {args.out}; "
                  "grades.csv was not updated. Run the same command again: it grades only the "
                  "rest, then writes the gradebook.", file=sys.stderr)
        else:
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
        shown = os.path.relpath(ops, os.getcwd()) if not ops.startswith(work) else path
        outcomes, seconds = run_rubric(ops, hidden=hidden)
        problem = syntax_problem(ops, "ops.py" if ops.startswith(work) else shown)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = feedback.table(outcomes, f"HW3 tests for {shown}  ({seconds:.1f} s)")
    problem = problem or shared_problem(outcomes)
    print(said_once(text, problem) if problem else text)
    return 0 if all(o.passed for o in outcomes) else 1


FIRST_PROBLEMS = "\n\nFirst problem per op"


def syntax_problem(ops_path: str, shown: str) -> str | None:
    """The syntax error that keeps ``ops_path`` from loading, with its line, found by
    compiling it (nothing runs); None when it compiles or is not a plain file."""
    try:
        with open(ops_path, "rb") as handle:
            source = handle.read()
    except OSError:
        return None
    try:
        compile(source, shown, "exec", dont_inherit=True)
    except SyntaxError as err:
        where = f" (line {err.lineno})" if err.lineno else ""
        text = (err.text or "").rstrip("\r\n")
        shown_line = ""
        if text.strip():
            indent = len(text) - len(text.lstrip())
            caret = " " * (max(1, err.offset or 1) - 1 - indent) + "^" if err.offset else ""
            shown_line = f"\n    {text.strip()}" + (f"\n    {caret}" if caret else "")
        if NOT_UTF8 in str(err.msg):
            return (f"{shown} could not be loaded: it is not UTF-8 text{where}: {UTF8_ADVICE}, "
                    "then run make test again. No test can run until it loads, so every row "
                    "is 0.")
        return (f"{shown} could not be loaded: {type(err).__name__}: {err.msg}{where}:"
                f"{shown_line}\nNo test can run until it loads, so every row is 0. Fix that "
                "line, then run make test again.")
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def shared_problem(outcomes) -> str | None:
    """The one message every check failed with (the ops file could not be loaded, say),
    or None when the failures differ."""
    messages = {o.message for o in outcomes if not o.passed}
    if len(outcomes) > 1 and len(messages) == 1 and not any(o.passed for o in outcomes):
        return "Every check failed with the same problem:\n  " + messages.pop()
    return None


def said_once(table_text: str, problem: str) -> str:
    """The table with ``problem`` above it, once, instead of once per op below it."""
    title, _, rest = table_text.partition("\n\n")
    rest = rest.split(FIRST_PROBLEMS, 1)[0]
    return f"{title}\n\n{problem}\n\n{rest}"


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


NOTE_ENV = "HW3_ISOLATION_NOTE"  # set by grade-all: the warning it measured once for all


def isolation_note() -> str:
    """The staff-only warning when the sandbox cannot confine submissions here ("" when
    it can), measured once by the probe (or handed down by grade-all)."""
    if NOTE_ENV in os.environ:
        return os.environ[NOTE_ENV]
    from grader.confine import status

    return status().message


def warn_if_starter_is_written() -> None:
    """Grading next to a starter that holds real ops is risky: on a machine where the
    sandbox cannot hide it, a submission could import it."""
    from hw3.ops_loader import NAMED, unwritten
    from hw3.registry import NAMES

    if not NAMED["starter"].is_file():
        return  # nothing to import (the Gradescope bundle ships no starter)
    written = sorted(set(NAMES) - set(unwritten(NAMED["starter"])))
    if written:
        print(f"warning: starter/ops.py is not the stub ({', '.join(written)} written). The "
              "sandbox hides it from submissions where it can confine them; restore it with "
              "`git checkout starter/ops.py` before building a release or a bundle.",
              file=sys.stderr)


def cmd_gradebook(out: str, adjustments: str | None, roster: str | None,
                  assignment: str) -> int:
    from grader import gradebook

    if not os.path.isdir(out):
        raise UsageError(f"{out} is not a folder: give the folder grade-all wrote (its "
                         "--out), holding <student>/results.json.")
    results = gradebook.students_in(out)
    if not results:
        raise UsageError(f"{out} holds no <student>/results.json: grade first (make grade).")
    warned: list[str] = []
    adj, people = gradebook.inputs(out, list(results), adjustments, roster,
                                   warn=warned.append)
    try:
        with gradebook.locked(out, "python -m grader gradebook"):
            written = gradebook.write(out, results, adj, people, assignment,
                                      regrade="Grade them again with python -m grader "
                                      f"grade-all SUBMISSIONS --out {out} --only ID, or "
                                      f"move a student's folder out of {out} to drop them.")
    except gradebook.Refused as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(written.summary())
    for text in warned:
        print(f"warning: canvas.csv was not written: {text}", file=sys.stderr)
    return 1 if warned else 0


def cmd_rubric(markdown: bool, as_json: bool, handout: str | None = None) -> int:
    import json

    from grader import rubric_table
    from hw3 import registry

    problems = registry.problems()
    if problems:
        raise UsageError("hw3/registry.py is inconsistent: " + "; ".join(problems) + ".")
    if handout:
        from hw3.atomic import write_text

        try:
            with open(handout, encoding="utf-8") as f:
                text = f.read()
            write_text(handout, rubric_table.update(text))
        except (OSError, ValueError) as err:
            raise UsageError(f"--write-handout {handout}: {err}") from None
        print(f"wrote the rubric table into {handout}")
    elif as_json:
        print(json.dumps(rubric_table.rows(), indent=1))
    elif markdown:
        print(rubric_table.markdown())
    else:
        print(rubric_table.text())
    return 0
