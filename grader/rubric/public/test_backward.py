"""Backward: against finite differences of your own forward, and against the math."""

import pytest

from grader import checks
from grader.rubric.helpers import SHAPES, per_op, rng_for


@per_op("backward")
@pytest.mark.points(3)
def test_backward_matches_finite_differences(sub, op):
    """backward agrees with finite differences of your forward (random upstream gradient)"""
    rng = rng_for("fd", op)
    for shape in SHAPES:
        inputs = checks.random_inputs(op, rng, shape)
        checks.check_backward_fd(sub, op, inputs, checks.upstream(op, rng, inputs),
                                 label=f" (inputs of shape {shape})")


@per_op("backward")
@pytest.mark.points(3)
def test_backward_matches_reference(sub, op):
    """backward gives the right dL/d(input) for a random upstream gradient"""
    rng = rng_for("reference", op)
    for shape in SHAPES:
        inputs = checks.random_inputs(op, rng, shape)
        checks.check_backward_reference(sub, op, inputs, checks.upstream(op, rng, inputs),
                                        label=f" (inputs of shape {shape})")
