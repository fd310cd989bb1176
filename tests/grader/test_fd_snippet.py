"""A finite-difference failure ends with lines a student can paste into the venv's
python; pasted in the homework folder, they show the same disagreement."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "catalog"))
import build  # noqa: E402

HEADER = "paste into .venv/bin/python (started in the homework folder):\n"


@pytest.fixture(scope="module")
def failure(tmp_path_factory) -> str:
    """The feedback of the finite-difference test on a sign-flipped sigmoid.backward."""
    work = tmp_path_factory.mktemp("snippet")
    ops = build.write(work, "buggy", "sigmoid_backward_sign_flipped")
    subprocess.run([sys.executable, "-m", "grader", "grade", str(ops.parent), "--out",
                    str(work / "out")], cwd=ROOT, check=True, capture_output=True)
    tests = json.loads((work / "out" / "results.json").read_text())["tests"]
    found = [t["output"] for t in tests if HEADER in t.get("output", "")]
    assert found, [t["name"] for t in tests if t["status"] == "failed"]
    return found[0]


def homework_folder(tmp_path: Path, ops_source: str) -> Path:
    """A student's folder: edugrad and starter/ops.py holding the submission."""
    folder = tmp_path / "hw3"
    (folder / "starter").mkdir(parents=True)
    (folder / "edugrad").symlink_to(ROOT / "edugrad")
    (folder / "starter" / "__init__.py").write_text("")
    (folder / "starter" / "ops.py").write_text(ops_source)
    return folder


def test_the_finite_difference_failure_shows_the_upstream_gradient_at_the_worst_element(failure):
    assert re.search(r"worst element \[\d+\] \(input value [-\d.e]+, grad_output there [-\d.e]+\)",
                     failure), failure


def test_the_pasted_snippet_reproduces_the_disagreement(failure, tmp_path):
    lines = failure.split(HEADER, 1)[1].splitlines()
    assert all(line.startswith("    ") for line in lines), lines
    code = "\n".join(line[4:] for line in lines)
    folder = homework_folder(tmp_path, build.source("buggy", "sigmoid_backward_sign_flipped"))
    # As a student pastes it: a shell started in the homework folder ("" first on sys.path).
    shown = subprocess.run([sys.executable, "-"], input=code, cwd=folder, text=True,
                           capture_output=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "disagrees with finite differences" in shown.stdout, shown.stdout
    said = re.search(r"your backward gave (\S+), finite differences give (\S+) \(", failure)
    seen = re.search(r"your backward gave (\S+), finite differences give (\S+) \(", shown.stdout)
    assert said and seen, (failure, shown.stdout)
    assert [float(v) for v in said.groups()] == pytest.approx(
        [float(v) for v in seen.groups()], rel=1e-4), (failure, shown.stdout)
