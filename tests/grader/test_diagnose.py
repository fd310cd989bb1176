"""The usual backward mistakes are recognised and named by key."""

from __future__ import annotations

import numpy as np
import pytest

from grader import diagnose
from hw3.registry import BY_NAME
from instructor import mistakes

RNG = np.random.default_rng(7)
A, B, G = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
GD = RNG.normal(size=3)
S = BY_NAME["sigmoid"].definition(A)
RIGHT = {  # the exact gradients, written out (only here, in the repository's tests)
    "sigmoid": [G * S * (1 - S)],
    "log": [G / (np.abs(A) + 1)],
    "multiply": [G * B, G * A],
    "dot": [GD[:, None] * B, GD[:, None] * A],
}
INPUTS = {"sigmoid": [A], "log": [np.abs(A) + 1], "multiply": [A, B], "dot": [A, B]}
UPSTREAM = {"sigmoid": G, "log": G, "multiply": G, "dot": GD}


@pytest.mark.parametrize("op, i, wrong, key", [
    ("sigmoid", 0, S * (1 - S), "forgot_upstream"),
    ("sigmoid", 0, S, "forward_value"),
    ("sigmoid", 0, -G * S * (1 - S), "sign"),
    ("multiply", 0, G * A, "swapped"),
    ("multiply", 1, A, "forgot_upstream"),
    ("multiply", 0, 2 * G * B, "factor"),
    ("dot", 0, B, "forgot_upstream"),
    ("dot", 0, GD[:, None] * A, "swapped"),
    ("log", 0, np.broadcast_to(G, A.shape), "pass_through"),
])
def test_a_mistake_any_op_can_make_is_named(op, i, wrong, key):
    got, text = diagnose.explain(op, INPUTS[op], UPSTREAM[op], RIGHT[op], i, wrong)
    assert got == key, (got, text)


def test_swapped_gradients_are_described_without_blaming_the_order_alone():
    _, text = diagnose.explain("multiply", [A, B], G, RIGHT["multiply"], 0, G * A)
    assert "wrong order" in text and "uses `a` where `b` belongs" in text


@pytest.mark.parametrize("op, wrong, key", [
    ("sigmoid", G * A * (1 - A), "input_for_output"),
    ("log", G / np.log(np.abs(A) + 1), "output_for_input"),
])
def test_op_specific_mistakes_are_named_when_instructors_grade(monkeypatch, op, wrong, key):
    monkeypatch.setattr(diagnose, "_EXTRA", [mistakes.candidates])
    got, _ = diagnose.explain(op, INPUTS[op], UPSTREAM[op], RIGHT[op], 0, wrong)
    assert got == key


def test_students_make_test_names_no_op_specific_mistake(monkeypatch):
    monkeypatch.setattr(diagnose, "_EXTRA", [])
    assert diagnose.explain("sigmoid", [A], G, RIGHT["sigmoid"], 0, G * A * (1 - A)) == ("", "")


def test_an_unrecognised_wrong_gradient_gets_no_made_up_explanation():
    assert diagnose.explain("sigmoid", [A], G, RIGHT["sigmoid"], 0, G * 0.123 + 7) == ("", "")


def test_the_right_gradient_is_never_diagnosed():
    for op in INPUTS:
        for i, right in enumerate(RIGHT[op]):
            assert diagnose.explain(op, INPUTS[op], UPSTREAM[op], RIGHT[op], i, right) == ("", "")


def test_one_wrong_element_among_tiny_ones_is_named_by_no_mistake_it_does_not_show():
    """multiply's gradient of a is g * b; a backward wrong only where a == 0 returns 0
    there and the right, tiny values elsewhere (b ~ 1e-120): neither "all zeros" nor
    "swapped" (which it resembles only up to an absolute 1e-9) describes it."""
    a, b, g = np.array([0.0, 3e-90]), np.array([1.6, 2e-120]), np.array([2.2, 1.5])
    right = [g * b, g * a]
    got = np.array([0.0, g[1] * b[1]])
    key, text = diagnose.explain("multiply", [a, b], g, right, 0, got)
    assert key == "", text
