"""Run the first job of an HTCondor submit file here, the way condor would run it.

    python -m hw3.condor_dryrun condor/train.sub                 # job 0, as submitted
    python -m hw3.condor_dryrun condor/train.sub --set epochs=1  # smaller, same paths
    python -m hw3.condor_dryrun condor/train.sub --show          # print the job, run nothing
    make condor-dryrun SUB=condor/train.sub                      # the same, via make

It reads the submit file like condor_submit (relative to the directory you run it in),
then runs the job's executable with the expanded arguments, in its initialdir, with
the environment condor would give it (not your shell's, unless the file says
``getenv = true``), stdin/stdout/stderr from the submit file's input/output/error.
Path mistakes, a missing log folder, a script without execute permission, or a job
that only worked because your shell had the venv activated show up in seconds instead
of after a wait in the queue.  ``--set NAME=VALUE`` works like ``condor_submit -append``:
it overrides the file's own line, e.g. to run one epoch.

Exit status: the job's own exit status, or 2 when the submit file has a problem.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hw3 import condor_submit_file as csf
from hw3.condor_job import Job
from hw3.errors import UsageError

# Variables recent HTCondor versions set to the job's request_cpus.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m hw3.condor_dryrun",
        description="Run one job of an HTCondor submit file locally, exactly as condor "
                    "would (same executable, arguments, working directory, environment "
                    "and output files), to catch mistakes before waiting in the queue.",
    )
    parser.add_argument("submit_file", help="the .sub file, e.g. condor/train.sub")
    parser.add_argument("--job", type=int, default=0,
                        help="which job to run, counting from 0 ($(Process)); default 0")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="override a submit-file line, like condor_submit -append "
                             "(e.g. --set epochs=1); repeatable")
    parser.add_argument("--show", action="store_true",
                        help="print what would run and check the paths, without running")
    parser.add_argument("--timeout", type=float, default=None,
                        help="stop the job after this many seconds (default: no limit)")
    return parser


def parse_overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not re.fullmatch(r"[+A-Za-z_][\w.+]*", name.strip()):
            raise UsageError(
                f"--set {pair!r}: write NAME=VALUE, e.g. --set epochs=1 or "
                "--set corpus=data/toy/corpus.txt."
            )
        out[name.strip()] = value.strip()
    return out


def memory_mb(value: str | None) -> float | None:
    """request_memory as megabytes (condor's default unit), None if not a plain size."""
    if not value:
        return None
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)B?\s*", value, re.IGNORECASE)
    if not match:
        return None
    scale = {"": 1, "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[match.group(2).upper()]
    return float(match.group(1)) * scale


def problems(job: Job) -> list[str]:
    """Everything that would make condor_submit refuse the job or the job go on hold."""
    found = []
    exe = job.executable
    if not exe.is_file():
        found.append(
            f"executable {job.get('executable')} -> {exe} does not exist. It is relative to "
            "the directory you run condor_submit in; run from the repository root or fix "
            "the path."
        )
    else:
        if not os.access(exe, os.X_OK):
            found.append(
                f"executable {exe} is not executable; run `chmod +x {exe}` (condor would "
                "put the job on hold)."
            )
        with open(exe, "rb") as handle:
            first = handle.read(200).split(b"\n", 1)[0]
        if first.startswith(b"#!") and first.endswith(b"\r"):
            found.append(
                f"{exe} has Windows (CRLF) line endings; the #! line cannot run on "
                "Linux. Convert it with `dos2unix` or your editor."
            )
        elif first.startswith(b"#!") and first[2:].strip():
            interpreter = first[2:].split()[0].decode(errors="replace")
            if not Path(interpreter).exists():
                found.append(f"{exe} starts with #!{interpreter}, which does not exist here.")
    iwd = job.initialdir
    if not iwd.is_dir():
        found.append(
            f"initialdir {job.get('initialdir')} -> {iwd} is not a folder; condor_submit "
            "would refuse the job."
        )
    for name in ("log", "output", "error"):
        path = job.path(name)
        if path is not None and not path.parent.is_dir():
            found.append(
                f"{name} = {job.get(name)} -> the folder {path.parent} does not exist. "
                f"Create it before submitting (`mkdir -p {path.parent}`); condor does "
                "not create it" + (" and refuses to submit." if name == "log" else
                                   " and puts the job on hold.")
            )
    source = job.path("input")
    if source is not None and not source.is_file():
        found.append(f"input = {job.get('input')} -> {source} does not exist.")
    transfer = (job.get("should_transfer_files") or "").strip().upper()
    if transfer == "YES":
        found.append(
            "should_transfer_files = YES: the job would run in a scratch folder with only "
            "the transferred files; this dry run reproduces the shared-file-system mode "
            "(should_transfer_files = NO) used by the course's submit files."
        )
    return found


def job_environment(job: Job, scratch: str) -> dict:
    """The environment condor gives the job: getenv (if asked), condor's own variables,
    then the submit file's `environment`."""
    getenv = job.getenv
    if getenv is True:
        env = dict(os.environ)
    elif getenv:
        env = {k: v for k, v in os.environ.items()
               if any(fnmatch.fnmatchcase(k, pattern) for pattern in getenv)}
    else:
        env = {}
    cpus = (job.get("request_cpus") or "1").strip()
    cpus = cpus if cpus.isdigit() else "1"
    env.update({
        "_CONDOR_SCRATCH_DIR": scratch,
        "_CONDOR_SLOT": "slot1",
        "TMPDIR": scratch,
        "TEMP": scratch,
        "TMP": scratch,
        "BATCH_SYSTEM": "HTCondor",
    })
    for name in THREAD_VARIABLES:
        env[name] = cpus
    env.update(job.environment)
    return env


def describe(job: Job, env: dict) -> str:
    lines = [
        f"job {job.proc}" + (f" ({', '.join(f'{k}={v}' for k, v in job.item.items())})" if job.item else ""),
        f"  command:    {shlex.join([str(job.executable), *job.arguments])}",
        f"  initialdir: {job.initialdir}",
    ]
    for name in ("input", "output", "error", "log"):
        path = job.path(name)
        lines.append(f"  {name + ':':11} {path if path else '(none)'}")
    shown = ", ".join(sorted(env)) if env else "(empty)"
    lines.append(f"  environment: {shown}")
    return "\n".join(lines)


def run(job: Job, timeout: float | None = None, out=sys.stderr) -> int:
    """Run the job; return its exit status."""
    with tempfile.TemporaryDirectory(prefix="condor-dryrun-") as scratch:
        env = job_environment(job, scratch)
        print(describe(job, env), file=out)
        paths = {name: job.path(name) for name in ("input", "output", "error")}
        stdin = open(paths["input"], "rb") if paths["input"] else subprocess.DEVNULL
        stdout = open(paths["output"], "wb") if paths["output"] else subprocess.DEVNULL
        if paths["error"] and paths["error"] == paths["output"]:
            stderr = stdout
        else:
            stderr = open(paths["error"], "wb") if paths["error"] else subprocess.DEVNULL
        start = time.monotonic()
        try:
            try:
                proc = subprocess.Popen(
                    [str(job.executable), *job.arguments], cwd=job.initialdir, env=env,
                    stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True,
                )
            except OSError as exc:
                raise UsageError(
                    f"{job.executable} could not be started ({exc.strerror or exc}); condor "
                    "would put the job on hold for the same reason. A script needs a first "
                    "line such as #!/bin/bash and execute permission (chmod +x)."
                ) from exc
            try:
                status = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
                print(f"  stopped after --timeout {timeout:g} s.", file=out)
                return 124
        finally:
            for handle in {id(h): h for h in (stdin, stdout, stderr)}.values():
                if hasattr(handle, "close"):
                    handle.close()
        seconds = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    requested = memory_mb(job.get("request_memory"))
    print(f"  exit status {status} after {seconds:.1f} s; peak memory {peak_mb:.0f} MB"
          + (f" (request_memory {requested:.0f} MB)" if requested else ""), file=out)
    if requested and peak_mb > requested:
        print("  warning: the job used more memory than request_memory; raise it or condor "
              "may put the job on hold.", file=out)
    if status != 0 and paths["error"] and paths["error"].is_file():
        tail = paths["error"].read_text(errors="replace").strip().splitlines()[-15:]
        if tail:
            print(f"  last lines of {paths['error']}:", file=out)
            print("\n".join("    " + line for line in tail), file=out)
    elif status == 0:
        print("  the job ran cleanly: submit it with condor_submit.", file=out)
    return status


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sub = csf.read(args.submit_file)
        jobs = sub.jobs(parse_overrides(args.overrides), cluster="dryrun")
        if not jobs:
            raise UsageError(
                f"{args.submit_file} queues no jobs (its queue list is empty). Check the "
                "`queue` line and the list it reads."
            )
        if not 0 <= args.job < len(jobs):
            raise UsageError(
                f"--job {args.job}: {args.submit_file} queues jobs 0 to {len(jobs) - 1}."
            )
        job = jobs[args.job]
        found = problems(job)
        if found:
            print(describe(job, job_environment(job, "<scratch>")), file=sys.stderr)
            raise UsageError(
                "The job would fail before it starts:\n  - " + "\n  - ".join(found)
            )
        if args.show:
            print(describe(job, job_environment(job, "<scratch>")))
            return 0
        return run(job, timeout=args.timeout)
    except UsageError as exc:
        print(f"condor dry run: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the job reads or writes that cannot be opened
        print(f"condor dry run: cannot use {exc.filename or 'a file'} "
              f"({exc.strerror or exc}); condor would put the job on hold for this. Check "
              "the path and its permissions.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
