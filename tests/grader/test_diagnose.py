"""The usual backward mistakes are recognised and named."""

from __future__ import annotations

import numpy as np
import pytest

from grader import diagnose, expected

RNG = np.random.default_rng(7)
A, B, G = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
GD = RNG.normal(size=3)


def s(x):
    return expected.sigmoid(x)


@pytest.mark.parametrize("op, inputs, g, i, wrong, words", [
    ("sigmoid", [A], G, 0, s(A) * (1 - s(A)), "forgot the upstream gradient"),
    ("sigmoid", [A], G, 0, G * A * (1 - A), "used the input where the output was meant"),
    ("sigmoid", [A], G, 0, s(A), "forward output"),
    ("sigmoid", [A], G, 0, -G * s(A) * (1 - s(A)), "sign is flipped"),
    ("log", [np.abs(A) + 1], G, 0, G / np.log(np.abs(A) + 1), "used the output"),
    ("multiply", [A, B], G, 0, G * A, "swapped"),
    ("multiply", [A, B], G, 1, A, "forgot the upstream gradient"),
    ("dot", [A, B], GD, 0, B, "forgot the upstream gradient"),
    ("dot", [A, B], GD, 0, GD[:, None] * A, "swapped"),
])
def test_mistake_is_named(op, inputs, g, i, wrong, words):
    text = diagnose.explain(op, inputs, g, i, wrong)
    assert words in text, f"{op} input {i}: got explanation {text!r}"


def test_an_unrecognised_wrong_gradient_gets_no_made_up_explanation():
    assert diagnose.explain("sigmoid", [A], G, 0, G * 0.123 + 7) == ""


def test_the_student_release_still_names_the_mistakes_any_op_can_make(monkeypatch):
    # grader/mistakes.py (op-specific, spells out derivatives) is not in the release.
    monkeypatch.setattr(diagnose, "_specific", None)
    forgot = diagnose.explain("sigmoid", [A], G, 0, s(A) * (1 - s(A)))
    assert "forgot the upstream gradient" in forgot, forgot
    assert diagnose.explain("sigmoid", [A], G, 0, G * A * (1 - A)) == ""
