"""Small helpers shared by the rubric tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.rubric.weights import OPS
from grader.subject import CheckFailed

SHAPES = [(5,), (3, 4), (2, 3, 4), (2, 1, 3, 2)]  # 1-D to 4-D (training is 3-D)


def per_op(part: str, ops=OPS):
    """Parametrize a test over ops, each case marked with its rubric item."""
    return pytest.mark.parametrize(
        "op", [pytest.param(op, marks=getattr(pytest.mark, f"{op}_{part}"), id=op)
               for op in ops])


def rng_for(*key) -> np.random.Generator:
    """A generator seeded from the test's identity: same test, same numbers."""
    seed = sum((i + 1) * ord(c) for i, c in enumerate("/".join(map(str, key))))
    return np.random.default_rng(seed)


def shapes(min_dims=1, max_dims=4, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def arrays(shape, lo, hi):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False,
                                                              allow_infinity=False))


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
