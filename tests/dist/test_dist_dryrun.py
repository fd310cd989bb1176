"""`make condor-dryrun`: runs a submit file's job locally the way condor would."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
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


# A broken submit file (or list) -> what the student must read in the one paragraph.
BROKEN = {
    "no queue": ("executable = jobs/report.sh\n", "has no queue statement"),
    "list never closed": ("executable = jobs/report.sh\nqueue w in (\n a\n", "never closed"),
    "text after the list": ("executable = jobs/report.sh\nqueue w in (a) # c\n",
                            "nothing may follow"),
    "if": ("executable = jobs/report.sh\nif defined x\nendif\nqueue\n", "not supported"),
    "stray line": ("executable = jobs/report.sh\nrequest_cpus 2\nqueue\n", "missing `=`"),
    "bad queue": ("executable = jobs/report.sh\nqueue w on (a b)\n", "cannot read"),
    "two queues": ("executable = jobs/report.sh\nqueue\nqueue 2\n", "second queue"),
    "command after queue": ("executable = jobs/report.sh\nqueue\nx = 1\n", "above `queue`"),
    "missing list": ("executable = jobs/report.sh\nqueue w from nowhere.txt\n",
                     "cannot read the queue list"),
    "list is a folder": ("executable = jobs/report.sh\nqueue w from jobs\n",
                         "cannot read the queue list"),
    "blank line in list": ("executable = jobs/report.sh\nqueue w from jobs/gap.txt\n",
                           "blank"),
    "list from a program": ("executable = jobs/report.sh\nqueue w from ls |\n",
                            "runs a program"),
    "macro loop": ("executable = jobs/report.sh\na = $(b)\nb = $(a)\nqueue\n",
                   "refers to itself"),
    "unknown macro function": ("executable = jobs/report.sh\nx = $INT(y)\nqueue\n",
                               "not supported"),
    "unknown $F flag": ("executable = jobs/report.sh\nx = $Fw(SUBMIT_FILE)\nqueue\n",
                        "flags p (directory)"),
    "quoted empty $F part": ("executable = jobs/report.sh\nv = noext\nx = $Fxq(v)\nqueue\n",
                             "stray"),
    "arguments quote": ('executable = jobs/report.sh\narguments = "a b\nqueue\n',
                        "no closing one"),
    "arguments single quote": ("executable = jobs/report.sh\narguments = \"a 'b\"\nqueue\n",
                               "single quote is not closed"),
    "environment entry": ('executable = jobs/report.sh\nenvironment = "A=1 B"\nqueue\n',
                          "NAME=value"),
    "no executable": ("arguments = a\nqueue\n", "no `executable"),
    "windows line endings": ("executable = jobs/report.sh\r\nqueue\r\n", "dos2unix"),
    "not UTF-8": (b"executable = jobs/report.sh\n# \xff\nqueue\n", "UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_submit_file_gets_one_paragraph(project, capsys, case):
    tmp_path, _ = project
    text, says = BROKEN[case]
    (tmp_path / "jobs" / "gap.txt").write_text("a\n\nb\n")
    sub = tmp_path / "jobs" / "broken.sub"
    sub.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert condor_dryrun.main(["jobs/broken.sub"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("condor dry run: ") and err.count("\n") == 1, err
    assert says in err, err


@pytest.mark.parametrize("given", ["jobs/none.sub", "jobs"])
def test_a_missing_submit_file_gets_one_paragraph(project, capsys, given):
    assert condor_dryrun.main([given]) == 2
    err = capsys.readouterr().err
    assert err.startswith("condor dry run: Cannot read the submit file") and err.count("\n") == 1


def test_files_the_job_cannot_open_end_in_one_paragraph(project, capsys):
    tmp_path, write = project
    write()
    sub = tmp_path / "jobs" / "report.sub"
    sub.write_text(sub.read_text().replace("out_$(word).txt", ""))  # output: a folder
    assert condor_dryrun.main(["jobs/report.sub"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("condor dry run: cannot use "), err


def test_a_script_without_a_shebang_line_is_explained(project, capsys):
    tmp_path, write = project
    write()
    (tmp_path / "jobs" / "report.sh").write_text("echo no interpreter line\n")
    assert condor_dryrun.main(["jobs/report.sub"]) == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("condor dry run: ") and "#!/bin/bash" in last, last


def test_the_dry_run_needs_no_htcondor_bindings(project):
    """Students install without htcondor (no macOS wheel): block it and run --show."""
    tmp_path, write = project
    write()
    code = ("import sys; sys.modules.update(htcondor2=None, htcondor=None, classad2=None); "
            "from hw3 import condor_dryrun; sys.exit(condor_dryrun.main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "jobs/report.sub", "--show"],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "--word alpha --job 0 'two words'" in done.stdout, done.stdout
