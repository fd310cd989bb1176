"""Grading on the cluster: one HTCondor job per submission, then one gradebook.

    python -m instructor.fanout list SUBMISSIONS  # condor/grade_list.txt (+ .json)
    condor_submit condor/grade.sub                # one job per line: fanout grade JOB
    python -m instructor.fanout merge             # grades/grades.csv, as grade-all writes it

(``make condor-grade SUBMISSIONS=dir`` does the first two, ``make condor-grade-merge``
the last.)  Student ids come from ``grader.batch`` and the gradebook from
``grader.gradebook``, the code grade-all uses, so the cluster gives the same
``grades.csv`` (and Canvas export) as ``python -m grader grade-all``.

condor splits queue lines on spaces and commas and expands ``$(...)`` in them, so the
list condor reads (``grade_list.txt``) holds only *job ids*: the student id when it is
one safe word, else a safe word plus a hash of the id.  The map job id -> student id
and submission path lives beside it in ``grade_list.json``.  Each job runs
``python -m instructor.fanout grade JOB --out grades/JOB``, which grades like
grade-all (own process, same timeout, a grader-side failure tagged as such);
``merge`` maps job ids back to student ids and writes the gradebook only if every
job's results.json is the rubric's (its tests the registry's, names and points, its
score their sum, its rubric hash the current one).  Otherwise it refuses, names the
students to regrade, and leaves the existing grades.csv as it was.  A job still
running (no results.json) or one the grader failed on is listed as error, score 0;
grades whose submission or grader changed since are merged, with a warning naming
them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys

from grader import gradebook
from grader import results as res
from grader.batch import class_entries, grade_entry, isolation_note
from grader.cli import UsageError, gradebook_options
from hw3.atomic import write_json, write_text

DEFAULT_LIST = os.path.join("condor", "grade_list.txt")
DEFAULT_OUT = "grades"
SAFE_JOB = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m instructor.fanout",
        description="Grade on HTCondor: write the job list for condor/grade.sub, grade one "
                    "job (what each condor job runs), then merge the per-student "
                    "results.json files into grades.csv.")
    sub = p.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="write the job list (one job id per line) and its map")
    lst.add_argument("submissions", help="folder with one entry per student (as for grade-all)")
    lst.add_argument("--list", default=DEFAULT_LIST, help=f"where to write it ({DEFAULT_LIST}; "
                     "the map job id -> student goes beside it, as .json)")
    grade = sub.add_parser("grade", help="grade the submission of one job into OUT/results.json")
    grade.add_argument("job", help="a job id of the list")
    grade.add_argument("--out", required=True, help="the job's folder, e.g. grades/JOB")
    grade.add_argument("--list", default=DEFAULT_LIST, help=f"the job list ({DEFAULT_LIST})")
    merge = sub.add_parser("merge", help="write OUT/grades.csv from OUT/<job>/results.json")
    merge.add_argument("--out", default=DEFAULT_OUT,
                       help=f"the folder the jobs wrote into ({DEFAULT_OUT})")
    merge.add_argument("--list", default=DEFAULT_LIST,
                       help=f"the job list the jobs ran from ({DEFAULT_LIST})")
    gradebook_options(merge)
    return p


def map_path(list_path: str) -> str:
    return os.path.splitext(list_path)[0] + ".json"


def job_ids(ids: list[str]) -> dict[str, str]:
    """A job id for every student id: itself when condor can pass it safely."""
    jobs: dict[str, str] = {}
    taken = set()
    for sid in ids:
        if SAFE_JOB.fullmatch(sid) and sid.lower() not in taken:
            job = sid
        else:
            stem = re.sub(r"[^A-Za-z0-9._+-]+", "_", sid.encode("ascii", "ignore").decode())
            stem = stem.strip("._+-")[:60] or "student"
            digest = hashlib.sha1(sid.encode("utf-8", "surrogatepass")).hexdigest()
            job, n = f"{stem}-{digest[:10]}", 2
            while job.lower() in taken:
                job, n = f"{stem}-{digest[:10]}-{n}", n + 1
        taken.add(job.lower())  # also distinct on case-insensitive file systems
        jobs[sid] = job
    return jobs


def write_list(submissions: str, list_path: str) -> list[tuple[str, str, str]]:
    """Write the job list and its map; [(job id, student id, absolute path)]."""
    found = class_entries(submissions)
    jobs = job_ids([sid for sid, _ in found])
    rows = [(jobs[sid], sid, os.path.abspath(path)) for sid, path in found]
    # JSON keeps any path (json escapes lone surrogates, i.e. bytes that are not UTF-8).
    write_json(map_path(list_path), {
        "submissions": os.path.abspath(submissions),
        "jobs": [{"job": job, "id": sid, "path": path} for job, sid, path in rows]})
    write_text(list_path, "".join(f"{job}\n" for job, _, _ in rows))
    return rows


def read_jobs(list_path: str) -> tuple[list[dict], str | None]:
    """([{job, id, path}], submissions folder) from the list (and its map)."""
    try:
        with open(list_path, encoding="utf-8") as f:
            listed = [line.split(None, 1)[0] for line in f if line.strip()]
    except OSError:
        raise UsageError(f"No job list at {list_path}: write it first with `python -m "
                         "instructor.fanout list SUBMISSIONS` (make condor-grade-list).") from None
    try:
        with open(map_path(list_path), encoding="utf-8") as f:
            saved = json.load(f)
        known = {j["job"]: j for j in saved["jobs"]}
        folder = saved.get("submissions")
    except (OSError, ValueError, KeyError, TypeError):
        known, folder = {}, None  # a list without its map: job ids are student ids
    return [known.get(job, {"job": job, "id": job, "path": None}) for job in listed], folder


# --------------------------------------------------------------------------- grade
def grade_job(job: str, out: str, list_path: str) -> int:
    jobs, folder = read_jobs(list_path)
    entry = next((j for j in jobs if j["job"] == job), None)
    if entry is None or not entry.get("path"):
        raise UsageError(f"{job} is not a job of {list_path} (or its map "
                         f"{map_path(list_path)} is missing): write the list again with "
                         "`python -m instructor.fanout list SUBMISSIONS`, then resubmit.")
    note = isolation_note()
    if note:
        print(note, file=sys.stderr, flush=True)
    # The submission's process must see neither the class's submissions nor the results.
    hide = [folder, os.path.dirname(os.path.abspath(out))]
    status, data = grade_entry(entry["path"], hide, note)
    write_json(os.path.join(out, "results.json"), data)
    print(f"{entry['id']}: {float(data['score']):g} / {float(data['max_score']):g} "
          f"({status})".encode("utf-8", "backslashreplace").decode("utf-8"))
    return 1 if status == "error" else 0


# --------------------------------------------------------------------------- merge
def gather(out: str, jobs: list[dict]) -> tuple[dict[str, dict], list[str], list[str]]:
    """(student -> results, ids with no finished result, warnings about stale grades).

    A job with no readable results.json, or one the grader itself failed on, counts as
    a grading error (score 0), as grade-all lists it."""
    results, missing, warnings = {}, [], []
    for entry in jobs:
        sid = entry["id"]
        data = res.read(os.path.join(out, entry["job"]))
        if data is None or res.status_of(data) == "error":
            missing.append(sid)
            data = data if data is not None else res.error_results(
                "No result from the grading job (still running, or it failed: see "
                "condor/logs/).")
        elif entry.get("path") and os.path.lexists(entry["path"]):
            now = res.current(entry["path"])
            why = res.stale(data, now)
            if why in ("the submission changed", "the grader changed"):
                warnings.append(f"{sid} ({why})")
        results[sid] = data
    return results, missing, warnings


def merge(out: str, jobs: list[dict], adjustments=None, roster=None,
          assignment: str = "HW3") -> tuple[gradebook.Written, list[str], list[str]]:
    """Write OUT/grades.csv as grade-all does; (what was written, ids with no result,
    warnings).  Raises ``gradebook.Refused`` (nothing written) when a job's results do
    not match the rubric."""
    results, missing, warnings = gather(out, jobs)
    written = gradebook.write(
        out, results, adjustments, roster, assignment,
        regrade="Grade them again (make condor-grade, or python -m grader grade-all "
                "SUBMISSIONS --out OUT --only ID), then merge.")
    return written, missing, warnings


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            rows = write_list(args.submissions, args.list)
            renamed = [(job, sid) for job, sid, _ in rows if job != sid]
            print(f"Wrote {args.list} and {map_path(args.list)}: {len(rows)} submissions."
                  + (f" {len(renamed)} with ids condor cannot pass run as job ids (merge "
                     "maps them back): " + ", ".join(f"{s} -> {j}" for j, s in renamed[:5])
                     + ("." if len(renamed) <= 5 else ", ...") if renamed else "")
                  + " Next, from the repository root: condor_submit condor/grade.sub, then "
                  "make condor-grade-merge.")
            return 0
        if args.command == "grade":
            return grade_job(args.job, args.out, args.list)
        jobs, _ = read_jobs(args.list)
        if not os.path.isdir(args.out):
            raise UsageError(f"{args.out} does not exist: the grading jobs write there. Check "
                             "condor_q and condor/logs/grade_*.err.")
        adj, people = gradebook.inputs(args.out, [j["id"] for j in jobs], args.adjustments,
                                       args.roster)
        try:
            with gradebook.locked(args.out, "python -m instructor.fanout merge"):
                written, missing, warnings = merge(args.out, jobs, adj, people,
                                                   args.assignment)
        except gradebook.Refused as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        if warnings:
            print(f"warning: merged, but graded before a change (regrade them: make "
                  f"condor-grade, or grade-all --only): {', '.join(warnings)}", file=sys.stderr)
        print(written.summary())
        print(f"{len(jobs) - len(missing)} of {len(jobs)} graded."
              + (f" No finished results.json (job still running or failed; see "
                 f"condor/logs/), listed as error with score 0: {', '.join(missing)}"
                 if missing else ""))
        return 1 if missing else 0
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
