"""The submit files in condor/, checked with HTCondor's own parser (htcondor2, classad2).

What these prove, offline: every submit file parses; its queue statement expands to
one job per seed / sweep row / submission; after macro expansion its arguments are
accepted by the real argparse parser of the command the job script runs; its
executable exists and is executable; Requirements keeps jobs off patas-n3 and allows
the other nodes; and the paths resolve to the repository wherever condor_submit runs.
That the dry run's reader agrees with HTCondor is tests/dist/test_dist_submit_oracle.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

htcondor2 = pytest.importorskip("htcondor2")
classad2 = pytest.importorskip("classad2")

from grader import batch, sandbox  # noqa: E402
from hw3 import condor_submit_file as csf  # noqa: E402
from hw3.condor_job import parse_arguments  # noqa: E402
from hw3.word2vec import build_parser as word2vec_parser  # noqa: E402
from instructor.fanout import build_parser as fanout_parser  # noqa: E402
from instructor.fanout import read_jobs, write_list  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SUBMIT_FILES = ("train.sub", "sweep.sub", "grade.sub")
# The command each job script runs, as an argv prefix for its real parser.
SCRIPTS = {"train.sh": (word2vec_parser, []), "grade.sh": (fanout_parser, ["grade"])}
EXPANDED = ("executable", "arguments", "initialdir", "output", "error", "log",
            "request_memory", "request_cpus", "requirements")


def condor_submit(name: str) -> htcondor2.Submit:
    sub = htcondor2.Submit((Path("condor") / name).read_text())
    sub["SUBMIT_FILE"] = f"condor/{name}"  # what condor_submit sets from its argument
    return sub


def condor_jobs(name: str) -> list[dict]:
    """Every job's expanded commands, per HTCondor: item variables and $(Process) set."""
    sub = condor_submit(name)
    items = list(sub.itemdata() or [{}])
    jobs = []
    for proc, item in enumerate(items):
        job = condor_submit(name)
        for key, value in item.items():
            job[key] = value
        job["Process"] = str(proc)
        jobs.append({key: job.expand(key) for key in EXPANDED if key in job})
    return jobs


@pytest.mark.parametrize("name", SUBMIT_FILES)
def test_submit_file_parses_with_htcondor(submit_dir, name):
    sub = condor_submit(name)
    missing = [k for k in ("executable", "arguments", "output", "error", "log",
                           "request_memory", "request_cpus", "requirements") if k not in sub]
    assert not missing, f"{name} lacks {missing}"


@pytest.mark.parametrize("name", SUBMIT_FILES)
def test_requirements_keep_jobs_off_patas_n3_only(submit_dir, name):
    expr = classad2.ExprTree(condor_submit(name).expand("requirements"))
    verdicts = {n: expr.eval(classad2.ClassAd({"Machine": f"patas-n{n}.ling.washington.edu"}))
                for n in (1, 2, 3, 4)}
    assert verdicts == {1: True, 2: True, 3: False, 4: True}, verdicts


@pytest.mark.parametrize("name", SUBMIT_FILES)
def test_executable_exists_and_is_executable(submit_dir, name):
    exe = ROOT / condor_submit(name).expand("executable")
    assert exe.is_file(), f"{name}: {exe} missing"
    assert os.access(exe, os.X_OK), f"{name}: {exe} is not executable"
    assert exe.read_bytes().startswith(b"#!/bin/bash\n"), exe.read_bytes()[:40]


@pytest.mark.parametrize("name", SUBMIT_FILES)
def test_arguments_are_accepted_by_the_cli_the_job_runs(submit_dir, name):
    jobs = condor_jobs(name)
    parser, prefix = SCRIPTS[Path(jobs[0]["executable"]).name]
    for job in jobs:
        argv = parse_arguments(job["arguments"])
        try:
            parser().parse_args(prefix + argv)
        except SystemExit as exc:
            pytest.fail(f"{name}: {argv} rejected by {Path(job['executable']).name}'s CLI "
                        f"(exit {exc.code})")


def test_train_queues_one_job_per_seed_with_its_own_outputs(submit_dir):
    jobs = condor_jobs("train.sub")
    outs = [word2vec_parser().parse_args(parse_arguments(j["arguments"])).out for j in jobs]
    seeds = [word2vec_parser().parse_args(parse_arguments(j["arguments"])).seed for j in jobs]
    assert seeds == [1, 2, 3], seeds
    assert outs == ["outputs/condor/seed_1", "outputs/condor/seed_2",
                    "outputs/condor/seed_3"], outs
    assert len({j["output"] for j in jobs}) == 3, [j["output"] for j in jobs]


def test_sweep_queues_one_job_per_table_row(submit_dir):
    rows = (submit_dir / "condor" / "sweep.txt").read_text().splitlines()
    jobs = condor_jobs("sweep.sub")
    assert len(jobs) == len(rows) == 2 * 2 * 2 * 3
    parsed = [word2vec_parser().parse_args(parse_arguments(j["arguments"])) for j in jobs]
    got = [(a.lr, a.dim, a.negatives, a.window, a.seed) for a in parsed]
    want = [(float(r.split()[1]), *map(int, r.split()[2:])) for r in rows]
    assert got == want
    assert len({a.out for a in parsed}) == len(rows), "two sweep jobs share an output folder"


def test_grade_queues_one_job_per_submission(submit_dir):
    jobs = condor_jobs("grade.sub")
    argvs = [fanout_parser().parse_args(["grade", *parse_arguments(j["arguments"])])
             for j in jobs]
    assert [a.job for a in argvs] == ["alice", "bob", "carol"]
    assert [a.out for a in argvs] == ["grades/alice", "grades/bob", "grades/carol"]
    listed, _ = read_jobs(str(submit_dir / "condor" / "grade_list.txt"))
    assert [Path(j["path"]).name for j in listed] == ["alice.py", "bob", "carol.tar.gz"]
    assert all(Path(j["path"]).is_absolute() for j in listed)


def megabytes(value: str) -> float:
    """A condor memory value in MB (a bare number is MB; K, M, G, T suffixes, base 1024)."""
    number, unit = value.strip().upper().rstrip("B"), 1.0
    for suffix, factor in (("K", 1 / 1024), ("M", 1), ("G", 1024), ("T", 1024 ** 2)):
        if number.endswith(suffix):
            number, unit = number[:-1], factor
    return float(number) * unit


def test_grade_request_memory_covers_the_sandbox_cap_and_the_grader(submit_dir):
    import inspect

    requested = megabytes(condor_submit("grade.sub").expand("request_memory"))
    default = inspect.signature(sandbox.Sandbox).parameters["memory_mb"].default
    assert default == sandbox.MEMORY_MB, "the sandbox's cap is not grader.sandbox.MEMORY_MB"
    assert requested > sandbox.MEMORY_MB + sandbox.GRADER_MEMORY_MB, (
        f"grade.sub requests {requested:g} MB; the student's code may use "
        f"{sandbox.MEMORY_MB} MB and the grader {sandbox.GRADER_MEMORY_MB} MB")


def test_grade_jobs_running_past_the_grading_timeout_are_removed(submit_dir):
    import time

    sub = condor_submit("grade.sub")
    expr = classad2.ExprTree(sub.expand("periodic_remove"))

    def removed(status: int, seconds: float) -> bool:
        return bool(expr.eval(classad2.ClassAd(
            {"JobStatus": status, "EnteredCurrentStatus": int(time.time() - seconds)})))

    limit = int(sub.expand("max_job_seconds"))
    timeout = batch.PER_SUBMISSION_TIMEOUT
    assert limit > timeout, "jobs would be removed before grading gives up by itself"
    assert not removed(2, timeout + 30) and removed(2, limit + 60)
    assert not removed(1, limit + 60), "an idle job is not running: it must stay queued"


@pytest.mark.parametrize("where", ["root", "condor", "elsewhere"])
def test_paths_resolve_to_the_repository_wherever_you_submit_from(tmp_path, where):
    given, cwd = {"root": ("condor/train.sub", ROOT),
                  "condor": ("train.sub", ROOT / "condor"),
                  "elsewhere": (str(ROOT / "condor" / "train.sub"), tmp_path)}[where]
    # $(SUBMIT_FILE) is the submit file's name as typed on the condor_submit line
    job = csf.parse((ROOT / "condor" / "train.sub").read_text(), path=given,
                    submit_dir=cwd).jobs()[0]
    assert job.executable == ROOT / "condor" / "train.sh"
    assert Path(os.path.realpath(job.initialdir)) == ROOT
    assert Path(os.path.realpath(job.path("log"))).parent == ROOT / "condor" / "logs"


def test_logs_folder_exists_in_the_repository():
    assert (ROOT / "condor" / "logs").is_dir()
    assert "!.gitignore" in (ROOT / "condor" / "logs" / ".gitignore").read_text()
