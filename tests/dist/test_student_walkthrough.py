"""The student loop, walked through in a fresh student release, as a student would.

Build the release (``python -m instructor.release --no-verify``), then in it: ``make
install``, ``make test`` on the stubs, one op fixed and ``make test`` again, ``make
train`` (refused while ops are stubs, then with all four ops written), ``make
condor-dryrun``, ``make train`` again, ``make submit``; and the dry run in a clone of
the repository, which has no data/real/.  Each step asserts what the student is told
and that no command left a trap for the next (a folder another command refuses, an
install that pulls the maintainers' set, a number the handout gets wrong).

No network: ``make install`` runs for real, with pip pointed at no index and this
environment's packages lent to the new venv (as instructor/release.py's check_install
does; links inside the venv, so the grader's sandbox, which empties /tmp but for the
repository and its venv, sees them as a student's install), this repository's own
install excluded.

Each step memoises its result and runs the steps before it itself, so any one test can
be run alone (``-k``); run in file order, the whole loop runs once (about 60-90 s).
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "instructor" / "solution" / "ops.py"
OPS = ("sigmoid", "log", "multiply", "dot")
UNTRAINED = 6 * math.log(2)  # (1 + K) log 2 with K = 5 negatives


def class_sources(path: Path) -> dict[str, tuple[int, int]]:
    """{op class: (first line, last line)} of an ops file, decorators included (1-based)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: (min([node.lineno] + [d.lineno for d in node.decorator_list]),
                        node.end_lineno)
            for node in tree.body if isinstance(node, ast.ClassDef)}


def write_reference(ops_file: Path, names) -> None:
    """Replace the classes ``names`` of ``ops_file`` by the reference's (what a student
    who got them right would have written)."""
    ref_lines = SOLUTION.read_text(encoding="utf-8").splitlines()
    ref = class_sources(SOLUTION)
    lines = ops_file.read_text(encoding="utf-8").splitlines()
    # From the bottom up, so earlier line numbers stay valid.
    for name, (first, last) in sorted(class_sources(ops_file).items(),
                                      key=lambda item: -item[1][0]):
        if name in names:
            a, b = ref[name]
            lines[first - 1:last] = ref_lines[a - 1:b]
    ops_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def row_points(report: str, op: str) -> tuple[float, float]:
    """(points got, points possible) on ``op``'s row of the `make test` table."""
    line = next(line for line in report.splitlines() if line.split()[:1] == [op])
    cells = re.findall(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)", line)
    return sum(float(g) for g, _ in cells), sum(float(t) for _, t in cells)


def borrow_site_packages(into: Path) -> Path:
    """This environment's packages, minus this repository's own install, as a folder of
    links that a fresh venv can put on its path (nothing is installed here)."""
    into.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "hw3_sgns_edugrad" in entry.name or entry.suffix == ".pth" \
                or entry.name == "__pycache__":
            continue
        (into / entry.name).symlink_to(entry)
    return into


class Student:
    """A student's copy of the homework, and what each command told them."""

    def __init__(self, home: Path):
        self.home = home
        self.copy = home / "hw3-student"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYTHON", "VIRTUAL_ENV", "MAKE", "MFLAGS", "PIP_"))}
        self.env.update({
            "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": str(home / ".mpl"),
            # No network: pip finds everything already installed (borrowed), builds
            # without an isolated environment, and never asks an index.
            "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        })
        self.done: dict[str, object] = {}

    def make(self, *args: str, cwd: Path | None = None, timeout: float = 300):
        proc = subprocess.run(["make", "--no-print-directory", *args], cwd=cwd or self.copy,
                              env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
        return proc.returncode, proc.stdout + proc.stderr

    def step(self, name, run):
        if name not in self.done:
            self.done[name] = run()
        return self.done[name]

    # ---- the loop, in order; each step runs the ones before it
    def install(self):
        def run():
            venv = self.copy / ".venv"
            # The venv `make install` is about to make, made first so it can borrow
            # this environment's packages; `make install` then completes it.
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)],
                           check=True, env=self.env)
            purelib = subprocess.run(
                [str(venv / "bin" / "python"), "-c",
                 "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True, text=True, check=True, env=self.env).stdout.strip()
            borrowed = borrow_site_packages(venv / "borrowed")
            Path(purelib, "_borrowed.pth").write_text(f"{borrowed}\n")
            plan = self.make("-n", "install")
            done = self.make("install", f"PYTHON={sys._base_executable}")
            return plan, done
        return self.step("install", run)

    def test_stubs(self):
        self.install()
        return self.step("test stubs", lambda: self.make("test"))

    def test_sigmoid(self):
        self.test_stubs()

        def run():
            write_reference(self.copy / "starter" / "ops.py", ["sigmoid"])
            return self.make("test")
        return self.step("test sigmoid", run)

    def train_refused(self):
        self.test_sigmoid()
        return self.step("train refused", lambda: self.make("train"))

    def train(self):
        self.train_refused()

        def run():
            write_reference(self.copy / "starter" / "ops.py", OPS)
            return self.make("train")
        return self.step("train", run)

    def dryrun(self):
        self.train()

        def run():
            before = {p.name: p.read_bytes() for p in (self.copy / "outputs" / "train").iterdir()}
            return self.make("condor-dryrun", "SET=epochs=1"), before
        return self.step("dryrun", run)

    def train_again(self):
        self.dryrun()
        # One epoch: what matters here is that it starts (and replaces outputs/train/).
        return self.step("train again", lambda: self.make("train", "ARGS=--epochs 1"))

    def submit(self):
        self.train_again()
        return self.step("submit", lambda: self.make("submit"))


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    home = tmp_path_factory.mktemp("student")
    proc = subprocess.run(
        [sys.executable, "-m", "instructor.release", "--dist", str(home / "dist"),
         "--no-verify"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.copytree(home / "dist" / "hw3-student", home / "hw3-student", symlinks=True)
    return Student(home)


# ------------------------------------------------------------------------ install
def test_make_install_installs_the_students_set_and_works(student):
    (_, plan), (status, said) = student.install()
    assert "'.[test,plot]'" in plan and "dev" not in plan, plan
    assert status == 0, said
    assert "Next: make test" in said, said
    python = student.copy / ".venv" / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import hw3; print(hw3.__file__)"],
                           capture_output=True, text=True, cwd=student.home, env=student.env)
    assert Path(where.stdout.strip()).parent == student.copy / "hw3", where


# ------------------------------------------------------------------------ make test
def test_make_test_on_the_stubs_fails_with_score_0_and_explains_its_marks(student):
    status, said = student.test_stubs()
    assert status != 0, said
    assert "Estimated score: 0 / " in said, said
    assert "ok = all points" in said and "-- = no points" in said, said  # the legend
    for op in OPS:  # each stub's own message, not one failure repeated for all
        assert f"{op}.forward is not implemented yet" in said, said
    assert "Traceback" not in said and "could not be loaded" not in said, said


def test_fixing_one_op_raises_its_rows_and_only_its_rows(student):
    _, before = student.test_stubs()
    _, after = student.test_sigmoid()
    got, possible = row_points(after, "sigmoid")
    assert row_points(before, "sigmoid") == (0, possible)
    assert got == possible > 0, after
    for op in ("log", "multiply", "dot", "training"):
        assert row_points(after, op)[0] == 0, after


# ------------------------------------------------------------------------ make train
def test_make_train_refuses_until_every_op_is_written(student):
    status, said = student.train_refused()
    assert status == 2, said
    assert "Implement starter/ops.py first" in said and "log, multiply, dot" in said, said
    assert not (student.copy / "outputs" / "train").exists()


def test_make_train_writes_outputs_train_starting_at_the_untrained_loss(student):
    status, said = student.train()
    assert status == 0, said
    out = student.copy / "outputs" / "train"
    first = (out / "losses.csv").read_text().splitlines()[1].split(",")
    assert first[0] == "0" and abs(float(first[3]) - UNTRAINED) < 1e-5, first
    assert f"{UNTRAINED:.3f} at step 0" in said, said


def test_the_handout_gives_the_numbers_make_train_prints(student):
    student.train()
    handout = (student.copy / "hw3" / "README.md").read_text()
    metrics = json.loads((student.copy / "outputs" / "train" / "metrics.json").read_text())
    untrained = re.search(r"6 × log 2 ≈ (\d\.\d+) at step 0", handout)
    final = re.search(r"falls to about (\d\.\d+) at\s+the end", handout)
    purity = re.search(r"reaches about\s+(\d\.\d+)", handout)
    assert untrained and final and purity, "the handout no longer states the numbers"
    assert untrained.group(1) == f"{metrics['initial_loss']:.3f}"
    assert final.group(1) == f"{metrics['final_loss']:.3f}", metrics
    assert purity.group(1) == f"{metrics['neighbour_purity']:.3f}", metrics


# ------------------------------------------------------------------------ condor
def test_the_dry_run_writes_its_own_folder_from_the_shipped_data(student):
    (status, said), train_before = student.dryrun()
    assert status == 0, said
    run = student.copy / "outputs" / "dryrun" / "seed_1"
    settings = json.loads((run / "config.json").read_text())["settings"]
    shipped = (student.copy / "data" / "real" / "enwiki" / "corpus.txt").is_file()
    assert shipped == (ROOT / "data" / "real" / "enwiki" / "corpus.txt").is_file()
    assert settings["corpus"] == ("data/real/enwiki/corpus.txt" if shipped
                                  else "data/toy/corpus.txt"), settings
    assert not (student.copy / "outputs" / "condor").exists()  # the cluster jobs' folder
    after = {p.name: p.read_bytes() for p in (student.copy / "outputs" / "train").iterdir()}
    assert after == train_before  # make train's folder untouched


def test_make_train_runs_again_after_the_dry_run(student):
    status, said = student.train_again()
    assert status == 0, said
    assert "Replaced outputs/train/" in said, said
    assert (student.copy / "outputs" / "dryrun" / "seed_1" / "config.json").is_file()


def test_the_dry_run_in_a_clone_without_data_real_says_what_to_do_and_runs(student, tmp_path):
    student.install()
    clone = tmp_path / "clone"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file() and not rel.startswith("data/real/"):
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, clone / rel)
    assert not (clone / "data" / "real").exists()
    (clone / ".venv").symlink_to(student.copy / ".venv")  # stands for `make install` there
    write_reference(clone / "starter" / "ops.py", OPS)
    status, said = student.make("condor-dryrun", "SET=epochs=1", cwd=clone)
    assert status == 0, said
    assert "data/real/ ships in the student release" in said and "make data" in said, said
    settings = json.loads((clone / "outputs" / "dryrun" / "seed_1" / "config.json")
                          .read_text())["settings"]
    assert settings["corpus"] == "data/toy/corpus.txt", settings


# ------------------------------------------------------------------------ make submit
def test_make_submit_packages_ops_py_and_says_only_it_is_graded(student):
    status, said = student.submit()
    assert status == 0, said
    assert "Only ops.py is graded" in said, said
    with tarfile.open(student.copy / "hw3-submission.tar.gz") as tar:
        names = tar.getnames()
        ops = tar.extractfile("ops.py").read()
    assert ops == (student.copy / "starter" / "ops.py").read_bytes()
    assert "outputs/losses.csv" in names and names[-1] == "MANIFEST", names


@pytest.mark.parametrize("goal", ["test", "train", "submit"])
def test_before_make_install_a_student_is_told_to_run_it_not_shown_a_traceback(tmp_path,
                                                                              goal):
    """No .venv and a python without the packages (here: site-packages switched off)."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    run = subprocess.run(["make", goal, f"PY={sys.executable} -I -S"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
    assert f"Run make install, then make {goal} again." in run.stderr, run.stderr


@pytest.mark.parametrize("goal", ["condor-train", "sweep"])
def test_submitting_to_condor_off_the_cluster_says_where_to_run_it(tmp_path, goal):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "condor").mkdir()
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    if shutil.which("condor_submit", path=env["PATH"]):
        pytest.skip("condor_submit is installed here")
    run = subprocess.run(["make", goal, "SWEEP=--help", f"PY={sys.executable}"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode != 0 and "condor_submit is not installed here" in run.stderr, run.stderr
    assert f"run make {goal} there" in run.stderr and "command not found" not in run.stderr
