"""`make test`'s report (grader/cli.py cmd_test): a problem that stops every check is said
once, above the table, with its line; the table's marks are explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import cli, feedback
from grader.runner import Outcome
from hw3 import registry

ROOT = Path(__file__).resolve().parents[2]
STUBS = ROOT / "starter" / "ops.py"


def outcomes(message: str | None = None) -> list[Outcome]:
    """Every public item failed, each with ``message`` (default: one message per op)."""
    return [Outcome(nodeid=f"t{n}", key=check.key, op=op or "training", hidden=False,
                    points=pts, passed=False,
                    message=message or f"{op or 'training'} is not implemented yet.")
            for n, (check, op, _, pts) in enumerate(registry.items(hidden=False))]


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    """The stubs with a syntax error on line 30."""
    lines = STUBS.read_text().splitlines()
    assert lines[29].startswith("@tensor_op")
    lines[29] += " )("
    path = tmp_path_factory.mktemp("syntax") / "ops.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_syntax_error_is_said_once_with_its_line(broken, capsys):
    assert cli.cmd_test(str(broken), hidden=False) == 1
    said = capsys.readouterr().out
    assert said.count("SyntaxError") == 1, said
    assert "could not be loaded: SyntaxError: unmatched ')' (line 30):" in said, said
    assert "@tensor_op )(" in said and "First problem per op" not in said, said
    assert said.index("could not be loaded") < said.index("sigmoid "), said  # above the table
    assert feedback.LEGEND in said


def test_a_file_that_compiles_gets_no_syntax_message():
    assert cli.syntax_problem(str(STUBS), "starter/ops.py") is None


def test_the_syntax_message_points_at_the_column(tmp_path):
    path = tmp_path / "ops.py"
    path.write_text("import numpy as np\n\nx = (1 +\n")
    message = cli.syntax_problem(str(path), "ops.py")
    assert "(line 3)" in message, message
    line, caret = message.splitlines()[1:3]
    assert line.strip() == "x = (1 +" and caret.strip() == "^", message


def test_a_file_saved_as_latin_1_is_told_to_save_it_as_utf_8(tmp_path):
    path = tmp_path / "ops.py"
    path.write_bytes(b"import numpy as np\nNAME = 'caf\xe9'\n")
    message = cli.syntax_problem(str(path), "ops.py")
    assert "is not UTF-8 text (line 2)" in message and "Save the file as UTF-8" in message
    assert "codec" not in message, message


def test_one_failure_shared_by_every_check_is_said_once():
    found = outcomes("ops.py could not be imported: ModuleNotFoundError: No module named 'torch'.")
    problem = cli.shared_problem(found)
    text = cli.said_once(feedback.table(found, "HW3 tests"), problem)
    assert text.count("No module named 'torch'") == 1, text
    assert text.startswith("HW3 tests\n\nEvery check failed with the same problem:"), text
    assert "Estimated score: 0 /" in text and feedback.LEGEND in text


def test_different_failures_are_listed_per_op_as_before():
    found = outcomes()
    assert cli.shared_problem(found) is None
    assert "First problem per op" in feedback.table(found, "HW3 tests")
