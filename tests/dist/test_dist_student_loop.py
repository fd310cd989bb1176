"""The student loop's contracts, checked without running it (the walk-through,
test_student_walkthrough.py, runs it): each command's own output folder, the students'
install, and a handout that matches the Makefile and the code."""

from __future__ import annotations

import importlib.metadata
import math
import re
import subprocess
from pathlib import Path

import pytest

from hw3 import condor_submit_file as csf
from hw3 import handin, word2vec
from hw3.train import TrainConfig
from instructor import release

ROOT = Path(__file__).resolve().parents[2]
HANDOUT = (ROOT / "hw3" / "README.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAINTAINERS_ONLY = {"gensim", "scipy", "htcondor", "ruff", "pyinstrument", "wheel"}


def dry_make(*args: str, makefile: Path | None = None, cwd: Path = ROOT) -> str:
    """The commands `make -n ARGS` would run."""
    extra = ["-f", str(makefile)] if makefile else []
    proc = subprocess.run(["make", "-n", "--no-print-directory", *extra, *args], cwd=cwd,
                          capture_output=True, text=True, check=True)
    return proc.stdout


def out_of(argv: list[str]) -> str:
    return word2vec.build_parser().parse_args(argv).out


# ------------------------------------------------------------------ output folders
def folders() -> dict[str, list[str]]:
    """{command: the output folders it writes}."""
    make_train = re.search(r"--out (\S+)", dry_make("train")).group(1)
    dryrun_root = re.search(r"--set out_root=(\S+)", dry_make("condor-dryrun")).group(1)
    train_sub = csf.read(str(ROOT / "condor" / "train.sub"))
    return {
        "make train": [make_train],
        "python -m hw3.word2vec": [out_of([])],
        "make submit (reads)": [handin.DEFAULT_OUTPUTS.relative_to(ROOT).as_posix()],
        "condor jobs": [out_of(j.arguments) for j in train_sub.jobs()],
        "make condor-dryrun": [out_of(j.arguments) for j in
                               train_sub.jobs({"out_root": dryrun_root}, cluster="dryrun")],
    }


def test_make_train_the_cli_and_make_submit_agree_on_outputs_train():
    found = folders()
    assert found["make train"] == found["python -m hw3.word2vec"] == \
        found["make submit (reads)"] == ["outputs/train"], found


def test_cluster_jobs_and_the_dry_run_write_folders_of_their_own():
    found = folders()
    assert found["condor jobs"] == ["outputs/condor/seed_1", "outputs/condor/seed_2",
                                    "outputs/condor/seed_3"], found
    assert found["make condor-dryrun"][0] == "outputs/dryrun/seed_1", found


def test_no_command_writes_into_another_commands_folder():
    """`make train --overwrite` refuses a folder holding anything but its own files, so
    no folder may sit inside (or be) another command's."""
    found = folders()
    owners = [(Path(f), cmd) for cmd, fs in found.items() if cmd != "make submit (reads)"
              for f in fs]
    for a, cmd_a in owners:
        for b, cmd_b in owners:
            if cmd_a != cmd_b and {cmd_a, cmd_b} != {"make train", "python -m hw3.word2vec"}:
                assert not (a == b or a.is_relative_to(b) or b.is_relative_to(a)), \
                    (cmd_a, a, cmd_b, b)


# ------------------------------------------------------------------ installs
def extras_of(extra: str) -> set[str]:
    """The package names an extra pulls in, following self-references."""
    names, todo, seen = set(), [extra], set()
    while todo:
        current = todo.pop()
        seen.add(current)
        for req in importlib.metadata.requires("hw3-sgns-edugrad") or []:
            spec, _, marker = req.partition(";")
            if f'extra == "{current}"' not in marker:
                continue
            name = re.match(r"[A-Za-z0-9_.\-]+", spec.strip()).group(0).lower()
            inner = re.search(r"\[([^\]]+)\]", spec)
            if name == "hw3-sgns-edugrad" and inner:
                todo += [e.strip() for e in inner.group(1).split(",") if e.strip() not in seen]
            else:
                names.add(name)
    return names


def test_make_install_installs_the_students_extras():
    commands = dry_make("install")
    assert "-e '.[test,plot]'" in commands and "dev" not in commands, commands


def test_the_students_extras_leave_the_maintainers_packages_out():
    students = extras_of("test") | extras_of("plot")
    assert {"pytest", "hypothesis", "matplotlib"} <= students, students
    assert not students & MAINTAINERS_ONLY, students & MAINTAINERS_ONLY
    assert MAINTAINERS_ONLY <= extras_of("dev")


def test_make_install_dev_installs_the_maintainers_extras():
    assert "-e '.[dev]'" in dry_make("install-dev")


def test_ci_installs_the_maintainers_set():
    assert "make install-dev" in (ROOT / ".ci" / "run").read_text()


def test_the_student_makefile_keeps_install_and_drops_install_dev(tmp_path):
    makefile = tmp_path / "Makefile"
    makefile.write_text(release.student_makefile((ROOT / "Makefile").read_text()))
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    assert "-e '.[test,plot]'" in dry_make("install", makefile=makefile, cwd=tmp_path)
    assert "install-dev:" not in makefile.read_text()


# ------------------------------------------------------------------ the handout
def code_lines(markdown: str) -> list[tuple[int, str]]:
    """(position, line) of every line inside a ``` block."""
    found, inside, pos = [], False, 0
    for line in markdown.splitlines(keepends=True):
        if line.startswith("```"):
            inside = not inside
        elif inside:
            found.append((pos, line.strip()))
        pos += len(line)
    return found


def make_targets(markdown: str) -> set[str]:
    return set(re.findall(r"`?make ([a-z][a-z-]*)", markdown)) - {"it", "them", "the", "sure"}


def targets_of(makefile_text: str) -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", makefile_text, re.MULTILINE))


def test_the_handout_says_how_to_activate_the_venv_before_any_python_command():
    python_lines = [pos for pos, line in code_lines(HANDOUT) if line.startswith("python")]
    activate = HANDOUT.find("source .venv/bin/activate")
    assert activate >= 0 and all(activate < pos for pos in python_lines)


def test_every_make_command_of_the_handout_exists_in_the_student_makefile():
    student = targets_of(release.student_makefile((ROOT / "Makefile").read_text()))
    # `make data` and `make install-dev` are named for a clone of the course repository.
    missing = make_targets(HANDOUT) - student - {"data", "install-dev"}
    assert not missing, missing


def test_every_make_command_of_the_readme_exists():
    missing = make_targets(README) - targets_of((ROOT / "Makefile").read_text())
    assert not missing, missing


def test_the_handout_says_only_ops_py_is_graded():
    section = HANDOUT.split("## What is graded", 1)[1].split("\n## ", 1)[0]
    assert "Only `starter/ops.py`" in section and "not graded" in section, section


@pytest.mark.parametrize("text", [HANDOUT, README], ids=["handout", "readme"])
def test_handout_and_readme_name_the_same_output_folders(text):
    flat = " ".join(text.split())
    for folder in ("outputs/train/", "outputs/condor/seed_N/", "outputs/dryrun/"):
        assert folder in flat, folder


def test_the_handouts_untrained_loss_is_one_plus_k_log_2():
    k = TrainConfig().negatives
    match = re.search(r"(\d+) × log 2 ≈ (\d\.\d+) at step 0", HANDOUT)
    assert match, "the handout no longer states the untrained loss"
    assert int(match.group(1)) == 1 + k
    assert match.group(2) == f"{(1 + k) * math.log(2):.3f}"
