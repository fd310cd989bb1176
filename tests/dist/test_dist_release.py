"""`make release` (grader.release): the student distribution and its self-verification."""

from __future__ import annotations

import re
import shutil
import tarfile
from pathlib import Path

import pytest

from grader import release

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "grader" / "solution" / "ops.py"
NEEDED = ("starter/ops.py", "edugrad/tensor.py", "hw3/word2vec.py", "hw3/handin.py",
          "hw3/condor_dryrun.py", "hw3/sweep.py", "grader/cli.py", "grader/rubric/public",
          "data/toy/corpus.txt", "data/toy/classes.tsv", "condor/train.sub",
          "condor/train.sh", "condor/env.sh", "condor/sweep.sub", "condor/logs/.gitignore",
          "Makefile", "pyproject.toml", "README.md")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    folder, archive, files = release.build(dist)
    return folder, archive, files


def test_secrets_and_maintainer_files_are_not_shipped(built):
    _, _, files = built
    leaked = [f for f in files for bad in (*release.FORBIDDEN_IN_RELEASE, *release.EXCLUDED)
              if f == bad or f.startswith(bad + "/")]
    assert not leaked, leaked
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]


def test_everything_a_student_needs_is_shipped(built):
    _, _, files = built
    missing = [n for n in NEEDED if not any(f == n or f.startswith(n + "/") for f in files)]
    assert not missing, missing


def test_prepared_corpora_ship_exactly_when_make_data_has_run(built):
    _, _, files = built
    shipped = {f for f in files if f.startswith("data/real/")}
    real = ROOT / "data" / "real"
    present = {p.relative_to(ROOT).as_posix() for p in real.rglob("*") if p.is_file()} \
        if real.is_dir() else set()
    assert shipped == present


def test_archive_holds_the_folder_under_one_top_directory(built):
    folder, archive, files = built
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert sorted(members) == [f"{release.NAME}/{f}" for f in files]
    for name in ("starter/ops.py", "Makefile"):
        assert members[f"{release.NAME}/{name}"] == (folder / name).read_bytes(), name


def test_student_makefile_keeps_student_targets_and_installs_test_extras(built):
    folder, _, _ = built
    text = (folder / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))
    assert {"help", "install", "test", "train", "submit", "condor-dryrun"} <= targets, targets
    assert not targets & {"release", "autograder", "grade", "check", "data", "bench",
                          "condor-grade"}, targets
    assert ".[test,plot]" in text and ".[dev]" not in text


def test_job_scripts_stay_executable(built):
    folder, _, _ = built
    assert all((folder / "condor" / s).stat().st_mode & 0o111 for s in ("train.sh",))


def plant(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "fake-release"
    (folder / Path(name).parent).mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_detector_flags_the_solution_even_with_renamed_variables(tmp_path):
    text = SOLUTION.read_text().replace("grad_output", "upstream").replace("out", "s")
    found = release.find_solution_code(plant(tmp_path, "hw3/helpers.py", text), SOLUTION)
    assert any("hw3/helpers.py" in f and "sigmoid" in f for f in found), found


def test_detector_flags_a_backward_formula_inside_other_code(tmp_path):
    text = "def grad(up, y):\n    scale = 2\n    return [up * y * (1 - y)]\n"
    found = release.find_solution_code(plant(tmp_path, "grader/x.py", text), SOLUTION)
    assert any("sigmoid.backward" in f for f in found), found


def test_detector_passes_code_that_is_not_the_solution(tmp_path):
    folder = tmp_path / "fake-release"
    shutil.copytree(ROOT / "edugrad", folder / "edugrad")
    shutil.copy(ROOT / "starter" / "ops.py", folder / "stubs.py")
    assert release.find_solution_code(folder, SOLUTION) == []


def test_release_installs_imports_and_make_test_scores_the_stubs_zero(built, tmp_path):
    folder, archive, _ = built
    logged = []
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    problems, python = release.check_install(copy, tmp_path, logged.append)
    assert problems == [] and python is not None, problems
    assert release.check_make_test(copy, python, tmp_path, logged.append) == [], logged
    assert any(re.search(r"stubs: 0/\d+", line) for line in logged), logged


def test_release_holds_no_solution_code(built):
    folder, _, _ = built
    found = release.find_solution_code(folder, SOLUTION)
    assert found == [], found


def test_release_is_readable_by_others(built):
    folder, archive, _ = built
    assert folder.stat().st_mode & 0o777 == 0o755, oct(folder.stat().st_mode)
    assert archive.stat().st_mode & 0o777 == 0o644, oct(archive.stat().st_mode)
