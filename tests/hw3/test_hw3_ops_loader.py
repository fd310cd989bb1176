"""--ops starter | solution | PATH, and the quick check before training."""

from __future__ import annotations

from pathlib import Path

import pytest

from hw3.errors import UsageError
from hw3.ops_loader import check_ops, load_ops

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", ["starter", "solution"])
def test_named_ops_load_with_all_four_ops(spec):
    ops = load_ops(spec)
    assert all(callable(getattr(ops, n)) for n in ("sigmoid", "log", "multiply", "dot"))


def test_a_folder_holding_ops_py_loads(tmp_path):
    (tmp_path / "ops.py").write_text((REPO / "instructor" / "solution" / "ops.py").read_text())
    ops = load_ops(tmp_path)
    check_ops(ops)  # the reference passes the quick check


def test_the_starter_stubs_fail_the_check_with_implement_first():
    stub = (REPO / "starter" / "ops.py").read_text()
    with pytest.raises(UsageError, match=r"Implement \S*ops.py first \(run `make test`\)"):
        check_ops(load_ops_from_text(stub))


def test_an_op_that_raises_is_named_by_the_check(tmp_path):
    text = (REPO / "instructor" / "solution" / "ops.py").read_text().replace(
        "return np.log(a)", "raise ValueError('oops')")
    with pytest.raises(UsageError, match=r"log raised ValueError \(oops\)"):
        check_ops(load_ops_from_text(text, tmp_path))


def test_missing_ops_are_listed(tmp_path):
    (tmp_path / "ops.py").write_text("def dot(a, b):\n    return a\n")
    with pytest.raises(UsageError, match="does not define sigmoid, log, multiply"):
        load_ops(tmp_path / "ops.py")


def test_a_file_that_fails_to_import_is_reported_with_the_error(tmp_path):
    (tmp_path / "ops.py").write_text("import nonexistent_module_xyz\n")
    with pytest.raises(UsageError, match="ModuleNotFoundError"):
        load_ops(tmp_path)


def test_a_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        load_ops(tmp_path / "missing.py")


def load_ops_from_text(text: str, folder: Path | None = None):
    import tempfile

    folder = Path(folder or tempfile.mkdtemp())
    (folder / "ops.py").write_text(text)
    return load_ops(folder / "ops.py")
