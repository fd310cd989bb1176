"""Forward values against the closed forms."""

import numpy as np
import pytest

from grader import checks
from grader.rubric.helpers import SHAPES, per_op, rng_for

KNOWN = {
    "sigmoid": [np.array([0.0, 1.0, -1.0, 2.5, -4.0, 10.0])],
    "log": [np.array([1.0, np.e, 0.5, 10.0, 1e-3, 123.4])],
    "multiply": [np.array([2.0, -3.0, 0.0, 1.5]), np.array([4.0, 5.0, 7.0, -2.0])],
    "dot": [np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]),
            np.array([[4.0, 5.0, 6.0], [2.0, 3.0, 9.0]])],
}


@per_op("forward")
@pytest.mark.points(2)
def test_forward_known_values(sub, op):
    """forward on a few hand-picked values"""
    checks.check_forward(sub, op, KNOWN[op])


@per_op("forward")
@pytest.mark.points(2)
def test_forward_shapes_1d_to_4d(sub, op):
    """forward on random 1-D to 4-D inputs (values and output shape)"""
    rng = rng_for("forward-shapes", op)
    for shape in SHAPES:
        checks.check_forward(sub, op, checks.random_inputs(op, rng, shape),
                             label=f" for inputs of shape {shape}")
