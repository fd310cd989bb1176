"""`make condor-dryrun`: runs a submit file's job locally the way condor would."""

from __future__ import annotations

import json
import os
import shutil
import stat
import textwrap
from pathlib import Path

import pytest

from hw3 import condor_dryrun

ROOT = Path(__file__).resolve().parents[2]

# A job script that reports what it was given: argv, working directory, environment.
REPORTER = """#!/bin/bash
python3 - "$@" <<'EOF'
import json, os, sys
print(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}))
EOF
echo "to stderr" >&2
exit "${EXIT_WITH:-0}"
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    """tmp/jobs/report.sh + tmp/jobs/logs/, and a submit file writer; cwd = tmp."""
    (tmp_path / "jobs" / "logs").mkdir(parents=True)
    script = tmp_path / "jobs" / "report.sh"
    script.write_text(REPORTER)
    script.chmod(0o755)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HW3_TEST_SHELL_ONLY", "from-my-shell")

    def write(extra: str = "", queue: str = "queue word in (alpha beta)") -> Path:
        sub = tmp_path / "jobs" / "report.sub"
        sub.write_text(textwrap.dedent(f"""\
            executable = jobs/report.sh
            initialdir = work
            arguments  = "--word $(word) --job $(Process) 'two words'"
            output     = ../jobs/logs/out_$(word).txt
            error      = ../jobs/logs/err_$(word).txt
            log        = ../jobs/logs/job.log
            request_cpus = 2
            {extra}
            {queue}
            """))
        return sub

    return tmp_path, write


def report(tmp_path: Path, word: str = "alpha") -> dict:
    return json.loads((tmp_path / "jobs" / "logs" / f"out_{word}.txt").read_text())


def test_runs_first_job_with_expanded_arguments_in_initialdir(project):
    tmp_path, write = project
    assert condor_dryrun.main([str(write().relative_to(tmp_path))]) == 0
    got = report(tmp_path)
    assert got["argv"] == ["--word", "alpha", "--job", "0", "two words"], got["argv"]
    assert Path(got["cwd"]) == tmp_path / "work"
    assert (tmp_path / "jobs" / "logs" / "err_alpha.txt").read_text() == "to stderr\n"


def test_job_option_picks_a_later_job(project):
    tmp_path, write = project
    write()
    assert condor_dryrun.main(["jobs/report.sub", "--job", "1"]) == 0
    assert report(tmp_path, "beta")["argv"][:4] == ["--word", "beta", "--job", "1"]


def test_environment_is_condors_not_your_shells(project):
    tmp_path, write = project
    write('environment = "GREETING=hello"')
    assert condor_dryrun.main(["jobs/report.sub"]) == 0
    env = report(tmp_path)["env"]
    assert "HW3_TEST_SHELL_ONLY" not in env, "the shell's environment leaked into the job"
    assert env["GREETING"] == "hello"
    assert env["OMP_NUM_THREADS"] == "2", env.get("OMP_NUM_THREADS")


def test_getenv_true_copies_your_shell(project):
    tmp_path, write = project
    write("getenv = true")
    assert condor_dryrun.main(["jobs/report.sub"]) == 0
    assert report(tmp_path)["env"]["HW3_TEST_SHELL_ONLY"] == "from-my-shell"


def test_exit_status_is_the_jobs(project):
    tmp_path, write = project
    write('environment = "EXIT_WITH=3"')
    assert condor_dryrun.main(["jobs/report.sub"]) == 3


def test_set_overrides_a_line_like_append(project):
    tmp_path, write = project
    write()
    assert condor_dryrun.main(["jobs/report.sub", "--set", "arguments=\"only this\""]) == 0
    assert report(tmp_path)["argv"] == ["only", "this"]


def test_missing_log_folder_is_reported_before_running(project, capsys):
    tmp_path, write = project
    write()
    shutil.rmtree(tmp_path / "jobs" / "logs")
    assert condor_dryrun.main(["jobs/report.sub"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "mkdir -p" in err, err


def test_script_without_execute_permission_is_reported(project, capsys):
    tmp_path, write = project
    write()
    script = tmp_path / "jobs" / "report.sh"
    script.chmod(script.stat().st_mode & ~(stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
    assert condor_dryrun.main(["jobs/report.sub"]) == 2
    assert "chmod +x" in capsys.readouterr().err


def test_executable_relative_to_another_directory_is_reported(project, capsys, monkeypatch):
    tmp_path, write = project
    write()
    monkeypatch.chdir(tmp_path / "work")  # jobs/report.sh is relative to the submit dir
    assert condor_dryrun.main(["../jobs/report.sub"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_empty_queue_list_is_reported(project, capsys):
    tmp_path, write = project
    (tmp_path / "jobs" / "none.txt").write_text("")
    write(queue="queue word from jobs/none.txt")
    assert condor_dryrun.main(["jobs/report.sub"]) == 2
    assert "queues no jobs" in capsys.readouterr().err


def test_train_sub_trains_for_real_through_train_sh(tmp_path):
    """condor/train.sub's first job, end to end: train.sh finds the repository from its
    own location, activates its .venv, and hw3.word2vec writes outputs/condor/seed_1 there."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(ROOT / "condor", repo / "condor",
                    ignore=shutil.ignore_patterns("*.out", "*.err", "*.log", "*.txt"))
    for name in ("hw3", "edugrad", "starter", "grader", "data", ".venv"):
        (repo / name).symlink_to(ROOT / name)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        status = condor_dryrun.main([
            "condor/train.sub", "--set", "corpus=data/toy/corpus.txt", "--set", "epochs=1",
            "--set", "train_flags=--ops solution --dim 8 --quiet"])
    finally:
        os.chdir(cwd)
    logs = sorted((repo / "condor" / "logs").glob("train_dryrun_seed1.*"))
    assert status == 0, "\n".join(p.read_text()[-2000:] for p in logs)
    written = sorted(p.name for p in (repo / "outputs" / "condor" / "seed_1").iterdir())
    assert {"embeddings.txt", "losses.csv", "metrics.json", "config.json",
            "neighbours.txt"} <= set(written), written
    settings = json.loads((repo / "outputs" / "condor" / "seed_1" / "config.json")
                          .read_text())["settings"]
    assert settings["seed"] == 1 and settings["epochs"] == 1, settings
