"""The law tests replay the examples stored with the cases, as hypothesis ran them."""

from __future__ import annotations

import numpy as np
import pytest

from grader.rubric import laws
from grader.rubric.cases import Case, load
from grader.subject import CheckFailed


class Sigmoid:
    """A stand-in for the sandboxed submission: sigmoid, wrong on the calls listed."""

    def __init__(self, wrong_calls=()):
        self.calls, self.wrong_calls = 0, set(wrong_calls)

    def forward_many(self, op, calls):
        self.calls += 1
        out = [1 / (1 + np.exp(-x)) for (x,) in calls]
        return [o + 0.5 for o in out] if self.calls in self.wrong_calls else out


def test_every_stored_example_is_judged_when_all_pass():
    examples = load().get("sigmoid", "laws")
    sub = Sigmoid()
    laws.check(sub, "sigmoid", examples)
    assert sub.calls == len(examples) == 12


def test_an_op_wrong_on_every_call_fails_with_the_law_it_breaks():
    with pytest.raises(CheckFailed) as failed:
        laws.check(Sigmoid(wrong_calls=range(1, 100)), "sigmoid", load().get("sigmoid", "laws"))
    assert str(failed.value).startswith("sigmoid(-x) = 1 - sigmoid(x) fails"), failed.value
    assert "different answers" not in str(failed.value)


def test_an_op_that_fails_once_and_then_passes_is_told_its_answers_changed():
    example = Case([np.array([0.5, -1.0]), np.array([2.0, 3.0])], extra={"c": np.asarray(1.0)})
    with pytest.raises(CheckFailed) as failed:
        laws.check(Sigmoid(wrong_calls={1}), "sigmoid", [example])
    text = str(failed.value)
    assert text.startswith("sigmoid gave different answers for the same inputs"), text
    assert "The failing run said: sigmoid(-x) = 1 - sigmoid(x) fails" in text, text
