"""Grading on the cluster: one HTCondor job per submission, then one gradebook.

    python -m grader.fanout list SUBMISSIONS      # condor/grade_list.txt (+ .json)
    condor_submit condor/grade.sub                # one job per line: fanout grade JOB
    python -m grader.fanout merge                 # grades/grades.csv, as grade-all writes it

(``make condor-grade SUBMISSIONS=dir`` does the first two, ``make condor-grade-merge``
the last.)  Student ids and the gradebook come from ``grader.batch`` itself, so the
cluster gives the same ``grades.csv`` as ``python -m grader grade-all``.

condor splits queue lines on spaces and commas and expands ``$(...)`` in them, so the
list condor reads (``grade_list.txt``) holds only *job ids*: the student id when it is
one safe word, else a safe word plus a hash of the id.  The map job id -> student id
and submission path lives beside it in ``grade_list.json``.  Each job runs
``python -m grader.fanout grade JOB --out grades/JOB``, which grades like grade-all
(own process, same timeout, a grader-side failure tagged as such); ``merge`` maps
job ids back to student ids, and accepts a job's results.json only if its tests are
exactly the rubric's (names and points) and its score is their sum.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys

from grader.atomic import write_json, write_text

from grader.batch import (
    entries,
    error_results,
    grade_entry,
    isolation_note,
    read_results,
    status_of,
    write_grades,
)
from grader.cli import UsageError

DEFAULT_LIST = os.path.join("condor", "grade_list.txt")
DEFAULT_OUT = "grades"
STARTER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "starter", "ops.py")
SAFE_JOB = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m grader.fanout",
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
    if not os.path.isdir(submissions):
        raise UsageError(f"{submissions} is not a folder. Give the folder holding one entry "
                         "per student (an ops.py, a folder or an archive each).")
    found = entries(submissions)
    if not found:
        raise UsageError(f"{submissions} holds no submissions (.py files, folders, or "
                         ".tar.gz/.tgz/.tar/.zip archives; names starting with '.' or '_' "
                         "are skipped).")
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
                         "grader.fanout list SUBMISSIONS` (make condor-grade-list).") from None
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
                         "`python -m grader.fanout list SUBMISSIONS`, then resubmit.")
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
def rubric_tests() -> list[tuple[str, float]]:
    """(name in results.json, points) of every rubric test, in order, as grade writes them."""
    from grader.runner import run_rubric

    outcomes, _ = run_rubric(STARTER, hidden=True, collect_only=True)
    return [(o.name + (" [hidden]" if o.hidden else ""), float(o.points)) for o in outcomes]


def check_results(data: dict, rubric: list[tuple[str, float]]) -> str:
    """Why ``data`` is not a results.json the grader wrote for this rubric ("" if it is)."""
    tests = data.get("tests")
    if not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
        return "it has no list of tests"
    try:
        score, max_score = float(data["score"]), float(data.get("max_score"))
        got = [(str(t.get("name")), float(t.get("max_score")), float(t.get("score")))
               for t in tests]
    except (KeyError, TypeError, ValueError):
        return "a score or max_score is missing or not a number"
    total = sum(m for _, m, _ in got)
    if abs(score - sum(s for _, _, s in got)) > 1e-6:
        return f"its score {score:g} is not the sum of its tests' scores"
    if abs(max_score - total) > 1e-6:
        return f"its max_score {max_score:g} is not the sum of its tests' points"
    bad = [n for (n, m, s), t in zip(got, tests) if not 0 <= s <= m
           or (t.get("status") == "passed") != (s == m)]
    if bad:
        return f"test {bad[0]!r} has a score outside 0..max or that contradicts its status"
    if status_of(data) == "no-submission":
        return "" if score == 0 and len(got) == 1 else "a missing submission scored points"
    if [(n, m) for n, m, _ in got] != rubric:
        names = {n for n, _, _ in got}
        extra = sorted(names - {n for n, _ in rubric})
        lacking = sorted({n for n, _ in rubric} - names)
        detail = (f"unknown tests {extra[:2]}" if extra else
                  f"missing tests {lacking[:2]}" if lacking else "other points or order")
        return f"its tests are not the rubric's ({detail})"
    return ""


def merge(out: str, jobs: list[dict], rubric=None) -> tuple[str, list[str], dict[str, str]]:
    """Write OUT/grades.csv as grade-all does; (its path, ids with no result, rejected).

    A student whose job left no results.json, or one the grader itself failed on, gets
    the row grade-all writes when grading fails (score 0, status error); so does one
    whose results.json does not hold the rubric's tests with a score that is their sum
    (``rejected``: id -> why).  The files themselves are left alone, so merging again
    after late jobs finish picks them up."""
    rubric = rubric_tests() if rubric is None else rubric
    results, status, missing, rejected = {}, {}, [], {}
    for entry in jobs:
        sid = entry["id"]
        data = read_results(os.path.join(out, entry["job"]))
        why = "" if data is None else check_results(data, rubric)
        if data is None or status_of(data) == "error":
            missing.append(sid)
            results[sid] = data if data is not None else error_results(
                "No result from the grading job (still running, or it failed: see "
                "condor/logs/).")
            status[sid] = "error"
        elif why:
            rejected[sid] = why
            results[sid] = error_results(f"results.json rejected: {why}.")
            status[sid] = "error"
        else:
            results[sid] = data
            status[sid] = status_of(data)
    return write_grades(out, results, status), missing, rejected


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
        path, missing, rejected = merge(args.out, jobs)
        for sid, why in rejected.items():
            print(f"error: {sid}: results.json of its job rejected ({why}); it was changed "
                  "after grading, or graded with another rubric. Listed as error with score "
                  "0: grade this student again.", file=sys.stderr)
        bad = len(missing) + len(rejected)
        print(f"Wrote {path}: {len(jobs) - bad} of {len(jobs)} graded."
              + (f" No finished results.json (job still running or failed; see "
                 f"condor/logs/), listed as error with score 0: {', '.join(missing)}"
                 if missing else ""))
        return 1 if bad else 0
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
