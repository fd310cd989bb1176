"""Backward: against finite differences of your own forward, and against the math."""

import numpy as np
import pytest

from grader import checks, expected
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


@per_op("backward")
@pytest.mark.points(1)
def test_two_calls_keep_their_own_state(sub, op):
    """two forward calls, then both backwards, then calls in a row: each uses its own ctx"""
    rng = rng_for("two-calls", op)
    first = checks.random_inputs(op, rng, (3, 4))
    second = checks.random_inputs(op, rng, (3, 4))
    gs = [checks.upstream(op, rng, first), checks.upstream(op, rng, second)]
    grads = sub.interleaved(op, [first, second], gs)
    for k, (inputs, g, got) in enumerate(zip((first, second), gs, grads)):
        want = expected.gradients(op, inputs, g)
        for i, (got_i, want_i) in enumerate(zip(got, want)):
            if checks.worst(got_i, want_i, checks.VALUE_RTOL, checks.VALUE_ATOL) is None:
                continue
            later = expected.gradients(op, second, gs[0] if k == 0 else g)
            hint = (" Its backward used the values saved by the *later* call: keep what "
                    "backward needs in ctx (ctx.append(...)), not in globals or class "
                    "attributes, since many calls can be waiting for their backward."
                    if k == 0 and np.allclose(got_i, later[i], rtol=1e-6, atol=1e-9) else "")
            raise checks.CheckFailed(
                f"{op}: called twice (forward, forward, then both backwards), the gradient "
                f"of input {i} of the {'first' if k == 0 else 'second'} call is wrong.{hint}")
    # Training calls each op hundreds of times on fresh arrays of one shape, one after
    # the other: state kept between calls (a cache keyed by id() or by shape, a global)
    # shows up here.
    for n in range(4):
        inputs = checks.random_inputs(op, rng, (3, 4))
        checks.check_backward_reference(sub, op, inputs, checks.upstream(op, rng, inputs),
                                        label=f" (call {n + 1} of 4 in a row, same shape)")
