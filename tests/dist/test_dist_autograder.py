"""`make autograder`: the Gradescope bundle, run against a fake /autograder tree."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.gradescope import bundle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "autograder.zip"
    bundle.build(out)
    return out


@pytest.fixture
def gradescope(tmp_path, autograder_zip):
    """/autograder as Gradescope lays it out: source/ unpacked from the zip, the
    run_autograder script copied beside it, an empty submission/ folder."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # zipfile drops permissions: restore them
            mode = info.external_attr >> 16
            if mode:
                os.chmod(root / "source" / info.filename, mode & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()

    def run() -> dict:
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
        env.pop("PYTHONPATH", None)
        proc = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True,
                              text=True, timeout=600)
        results = root / "results" / "results.json"
        assert results.is_file(), f"no results.json; exit {proc.returncode}: {proc.stderr[-2000:]}"
        return json.loads(results.read_text())

    return root, run


def test_bundle_has_gradescope_entry_points_and_the_hidden_tests(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for name in ("setup.sh", "run_autograder"):
        assert name in infos, sorted(infos)[:10]
        assert (infos[name].external_attr >> 16) & stat.S_IXUSR, f"{name} not executable"
    assert any(n.startswith("grader/rubric/hidden/") for n in infos)
    assert any(n.startswith("data/toy/") for n in infos)
    assert not [n for n in infos if n.startswith(("grader/catalog/", "tests/", "bench/"))
                or "__pycache__" in n]


def test_bundle_ships_neither_the_solution_nor_the_catalogs_but_what_grading_needs(
        autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        names = set(zf.namelist())
    assert not [n for n in names if n.startswith(("grader/solution/", "grader/catalog/"))]
    needed = {"grader/mistakes.py", "grader/reference/short.json", "grader/reference/long.json",
              "grader/rubric/hidden/__init__.py"}
    assert needed <= names, sorted(needed - names)


NO_NAMESPACES = ("echo 0 > /proc/sys/user/max_user_namespaces && "
                 "exec {capsh} --drop=cap_sys_admin -- -c \"$0\"")


def test_run_autograder_says_so_in_results_when_isolation_is_incomplete(gradescope):
    """Where neither a user nor a mount namespace can be made (root of a user namespace
    allowing no nested one, without CAP_SYS_ADMIN), results.json warns the staff."""
    root, _ = gradescope
    capsh, unshare = shutil.which("capsh"), shutil.which("unshare")
    if not capsh or not unshare:
        pytest.skip("needs capsh and unshare")
    script = NO_NAMESPACES.format(capsh=capsh)
    check = subprocess.run([unshare, "-U", "-r", "sh", "-c", script,
                            "unshare -m true || echo refused"], capture_output=True, text=True)
    if "refused" not in check.stdout:
        pytest.skip("cannot make a place without namespaces here")
    (root / "submission" / "notes").mkdir()  # nothing gradable: results at once
    (root / "submission" / "notes" / "README").write_text("no ops here\n")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([unshare, "-U", "-r", "sh", "-c", script,
                           str(root / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=600)
    results = json.loads((root / "results" / "results.json").read_text())
    assert "grading isolation is incomplete" in results["output"], (results["output"],
                                                                    proc.stderr[-1000:])


def test_run_autograder_grades_an_ops_py_and_writes_results(gradescope):
    root, run = gradescope
    shutil.copy(ROOT / "starter" / "ops.py", root / "submission" / "ops.py")
    results = run()
    assert results["score"] == 0 and results["max_score"] > 0, results.get("output")
    assert results["tests"] and {"name", "score", "max_score"} <= set(results["tests"][0])


def test_run_autograder_grades_a_make_submit_archive_full_marks(gradescope, tmp_path):
    """... from a bundle without grader/solution: grading never needs it."""
    from hw3 import handin

    root, run = gradescope
    assert not (root / "source" / "grader" / "solution").exists()
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    for name in handin.OUTPUT_FILES:
        (outputs / name).write_text("x\n")
    archive = root / "submission" / "hw3-submission.tar.gz"
    handin.build_archive(ROOT / "grader" / "solution" / "ops.py", outputs, archive)
    results = run()
    assert results["score"] == results["max_score"] == 100, results.get("output")


def test_run_autograder_with_nothing_submitted_still_writes_results(gradescope):
    _, run = gradescope
    results = run()
    assert results["score"] == 0 and "Nothing was submitted" in results["output"]
