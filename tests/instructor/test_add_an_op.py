"""Next year's staff add an op by editing the registry, the stub, the solution and the
handout, and everything else follows: the rubric, grading, feedback, release, bundle.

A copy of the repository gets a fifth op, tanh; then a correct and a buggy tanh are
graded in that copy, as an instructor would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

REGISTRY_ENTRY = '''
OPS = (*OPS, Op("tanh", ("a",), "tanh(a)", np.tanh, ("normal", 0.0, 2.0), (-20.0, 20.0),
                extremes=((20.0, 1000.0),), laws=("odd", "bounded", "increasing"),
                bounds=(-1.0, 1.0), extremes_atol=2.3e-16))
BY_NAME = {op.name: op for op in OPS}
NAMES = tuple(BY_NAME)
'''

STUB = '''

@tensor_op
class tanh(Operation):
    """Elementwise hyperbolic tangent. Shapes: a is any shape; the output too."""

    @staticmethod
    def forward(ctx, a):
        raise _todo("tanh.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise _todo("tanh.backward")
'''

SOLUTION = '''

@tensor_op
class tanh(Operation):
    """tanh(a); d tanh / da = 1 - tanh^2."""

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.append(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx
        return (grad_output * (1 - out * out),)
'''

BUGGY = '''

@tensor_op
class tanh(tanh.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx
        return (1 - out * out,)
'''


def run(args, cwd, timeout=300):
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd),
                                                "PYTHONPATH": str(cwd)})
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The repository as git has it, with tanh added in the four places."""
    dest = tmp_path_factory.mktemp("next-year") / "repo"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if name.startswith(("tests/", "bench/")) or not (ROOT / name).is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest / name)
    registry = dest / "hw3" / "registry.py"
    text = registry.read_text().replace("TOTAL = 100", "TOTAL = 120")
    marker = "\nBY_NAME: dict[str, Op] = {op.name: op for op in OPS}\nNAMES: tuple[str, ...] = tuple(BY_NAME)\n"
    assert marker in text
    registry.write_text(text.replace(marker, marker + REGISTRY_ENTRY))
    for path, code in (("starter/ops.py", STUB), ("instructor/solution/ops.py", SOLUTION)):
        (dest / path).write_text((dest / path).read_text() + code)
    handout = dest / "hw3" / "README.md"
    handout.write_text(handout.read_text().replace(
        "## What you derive", "Fifth op: `tanh`, elementwise.\n\n## What you derive", 1))
    run(["-m", "instructor", "cases"], dest)
    run(["-m", "grader", "rubric", "--write-handout", "hw3/README.md"], dest)
    return dest


def grade(copy: Path, name: str, extra: str) -> dict:
    sub = copy.parent / name
    sub.mkdir()
    (sub / "ops.py").write_text((copy / "instructor" / "solution" / "ops.py").read_text()
                                + extra)
    run(["-m", "grader", "grade", str(sub), "--out", str(copy.parent / f"{name}-out")], copy)
    return json.loads((copy.parent / f"{name}-out" / "results.json").read_text())


def test_the_rubric_lists_the_new_op_and_the_handout_table_shows_it(copy):
    listing = run(["-m", "grader", "rubric"], copy)
    assert "tanh: backward gives the exact" in listing and "total 120" in listing
    assert "| tanh | 3 + 2 | 8 + 5 | 2 + 0 | 13 | 7 | 20 |" in (copy / "hw3" / "README.md").read_text()


def test_a_correct_new_op_gets_full_marks(copy):
    results = grade(copy, "correct", "")
    assert (results["score"], results["max_score"]) == (120, 120), [
        t["name"] for t in results["tests"] if t["status"] == "failed"]


def test_a_buggy_new_op_loses_its_points_with_its_diagnosis(copy):
    results = grade(copy, "buggy", BUGGY)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert results["score"] < 120
    assert {t["extra_data"]["op"] for t in failed} == {"tanh"}
    assert "forgot_upstream" in {t["extra_data"]["diagnosis"] for t in failed}


def test_make_test_on_the_stub_shows_a_row_for_the_new_op(copy):
    proc = subprocess.run([sys.executable, "-m", "grader", "test"], cwd=copy, text=True,
                          capture_output=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)})
    assert "\ntanh " in proc.stdout and "Estimated score: 0 / 73 public points" in proc.stdout


def test_the_release_and_the_bundle_carry_the_new_op(copy):
    run(["-m", "instructor.release", "--no-verify", "--dist", str(copy / "dist")], copy)
    release = copy / "dist" / "hw3-student"
    assert "class tanh(Operation)" in (release / "starter" / "ops.py").read_text()
    assert '"tanh"' in (release / "hw3" / "registry.py").read_text()
    run(["-m", "instructor.gradescope", "--out", str(copy / "dist" / "autograder.zip")], copy)
    with zipfile.ZipFile(copy / "dist" / "autograder.zip") as zf:
        assert '"tanh"' in zf.read("hw3/registry.py").decode()
        assert any(n.startswith("tanh.") for n in _npz_keys(zf, "instructor/hidden/cases.npz"))


def _npz_keys(zf: zipfile.ZipFile, name: str) -> list[str]:
    """The case names in a bundled cases file (grader/rubric/cases.py's format)."""
    import io

    import numpy as np

    with np.load(io.BytesIO(zf.read(name)), allow_pickle=False) as data:
        return list(json.loads(data["index"].tobytes()))
