"""Grading on the cluster: one HTCondor job per submission, then one gradebook.

    python -m grader.fanout list SUBMISSIONS      # writes condor/grade_list.txt (id, path)
    condor_submit condor/grade.sub                # one `grader grade` job per line
    python -m grader.fanout merge                 # grades/grades.csv, as grade-all writes it

(``make condor-grade SUBMISSIONS=dir`` does the first two, ``make condor-grade-merge``
the last.)  Student ids and the gradebook come from ``grader.batch`` itself, so the
cluster gives the same ``grades.csv`` as ``python -m grader grade-all``.
"""

from __future__ import annotations

import argparse
import os
import sys

from grader import report
from grader.atomic import write_text
from grader.batch import _not_loadable, entries, finished, write_grades
from grader.cli import UsageError

DEFAULT_LIST = os.path.join("condor", "grade_list.txt")
DEFAULT_OUT = "grades"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader.fanout",
        description="Grade on HTCondor: write the job list for condor/grade.sub, then merge "
                    "the per-student results.json files into grades.csv.")
    sub = p.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="write the job list (one line per student: id path)")
    lst.add_argument("submissions", help="folder with one entry per student (as for grade-all)")
    lst.add_argument("--list", default=DEFAULT_LIST, help=f"where to write it ({DEFAULT_LIST})")
    merge = sub.add_parser("merge", help="write OUT/grades.csv from OUT/<id>/results.json")
    merge.add_argument("--out", default=DEFAULT_OUT,
                       help=f"the folder the jobs wrote into ({DEFAULT_OUT})")
    merge.add_argument("--list", default=DEFAULT_LIST,
                       help=f"the job list the jobs ran from ({DEFAULT_LIST})")
    return p


def write_list(submissions: str, list_path: str) -> list[tuple[str, str]]:
    if not os.path.isdir(submissions):
        raise UsageError(f"{submissions} is not a folder. Give the folder holding one entry "
                         "per student (an ops.py, a folder or an archive each).")
    rows = [(sid, os.path.abspath(path)) for sid, path in entries(submissions)]
    if not rows:
        raise UsageError(f"{submissions} holds no submissions (.py files, folders, or "
                         ".tar.gz/.tgz/.tar/.zip archives).")
    for sid, path in rows:
        # condor splits a line on spaces/commas into `id` and the rest (the path); the id
        # must be one word and the path must not contain a quote (it is quoted in grade.sub).
        if any(c in sid for c in " ,\t'\"") or any(c in path for c in "'\"\n"):
            raise UsageError(f"The submission {path!r} has a name condor cannot pass safely "
                             "(spaces or commas in the id, or quotes); rename it.")
    write_text(list_path, "".join(f"{sid} {path}\n" for sid, path in rows))
    return rows


def read_list(list_path: str) -> list[str]:
    try:
        with open(list_path, encoding="utf-8") as f:
            return [line.split(None, 1)[0] for line in f if line.strip()]
    except OSError:
        raise UsageError(f"No job list at {list_path}: write it first with `python -m "
                         "grader.fanout list SUBMISSIONS` (make condor-grade-list).") from None


def merge(out: str, ids: list[str]) -> tuple[str, list[str]]:
    """Write OUT/grades.csv as grade-all does; return its path and the ids with no result.

    A student whose job left no results.json gets the row grade-all writes when grading
    fails (score 0, status error); the job's own results.json, if it appears later, is
    left alone, so merging again picks it up."""
    results, status, missing = {}, {}, []
    for sid in ids:
        data = finished(os.path.join(out, sid))
        if data is None:
            missing.append(sid)
            results[sid] = report.failed_results(
                "No result from the grading job (still running, or it failed: see "
                "condor/logs/).")
            status[sid] = "error"
        else:
            results[sid] = data
            status[sid] = "no-submission" if _not_loadable(data) else "graded"
    return write_grades(out, results, status), missing


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            rows = write_list(args.submissions, args.list)
            print(f"Wrote {args.list}: {len(rows)} submissions. Next, from the repository "
                  "root: condor_submit condor/grade.sub, then make condor-grade-merge.")
            return 0
        ids = read_list(args.list)
        if not os.path.isdir(args.out):
            raise UsageError(f"{args.out} does not exist: the grading jobs write there. Check "
                             "condor_q and condor/logs/grade_*.err.")
        path, missing = merge(args.out, ids)
        print(f"Wrote {path}: {len(ids) - len(missing)} of {len(ids)} graded."
              + (f" No results.json (job still running or failed; see condor/logs/), listed "
                 f"as error with score 0: {', '.join(missing)}" if missing else ""))
        return 1 if missing else 0
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
