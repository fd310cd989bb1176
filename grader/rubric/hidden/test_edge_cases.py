"""Hidden: edge cases, large magnitudes, 0-d inputs, no in-place changes, reuse."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import checks, expected
from grader.rubric.helpers import arrays, expect, per_op, rng_for, shapes

EDGE = {
    "sigmoid": [np.array([1000.0, -1000.0, 710.0, -710.0, 40.0, -40.0, 0.0, -745.5])],
    "log": [np.array([1e-300, 1e300, 1e-8, 1.0, 2.0**-40, 7.5e10])],
    "multiply": [np.array([0.0, -0.0, 1e150, -1e-150, 3.0]),
                 np.array([5.0, 2.0, 1e150, 1e-150, 0.0])],
    "dot": [np.array([1e150, 2.0, 1e-150]), np.array([1e150, 3.0, 1e150])],
}
ZERO_D = {"sigmoid": [np.array(-2.0)], "log": [np.array(3.0)],
          "multiply": [np.array(2.0), np.array(-4.0)], "dot": [np.ones((4, 1)), np.ones((4, 1))]}


@per_op("forward")
@pytest.mark.points(2)
def test_forward_edge_values(sub, op):
    """forward at large magnitudes and on 0-d / length-1 inputs"""
    checks.check_forward(sub, op, EDGE[op], rtol=1e-6,
                         atol=1e-15 if op == "sigmoid" else 1e-300,
                         label=" (large-magnitude inputs)")
    expect(not sub.warnings, f"{op}.forward warned on large-magnitude inputs {EDGE[op][0]}: "
           f"{sub.warnings[0] if sub.warnings else ''}. The answer is finite there: compute "
           "it without overflowing (e.g. never exponentiate a large positive number).")
    checks.check_forward(sub, op, ZERO_D[op], label=" (0-d or length-1 inputs)")
    if op == "sigmoid":
        ends = sub.forward("sigmoid", np.array([-1000.0, 1000.0]))
        expect(abs(ends[0]) <= 1e-100 and abs(ends[1] - 1) <= 2.3e-16,
               f"sigmoid(-1000) and sigmoid(1000) are 0 and 1 to float64 precision; got "
               f"{ends[0]!r} and {ends[1]!r}. Clipping the input early (e.g. np.clip(a, -35, "
               "35)) changes the answer beyond the clip: sigmoid(35) is 1 - 6e-16, not 1.")


@per_op("backward")
@pytest.mark.points(2)
def test_backward_edge_values(sub, op):
    """backward at large magnitudes and on 0-d inputs"""
    rng = rng_for("edge-backward", op)
    inputs = EDGE[op] if op in ("sigmoid", "log") else [x / 1e100 for x in EDGE[op]]
    g = checks.upstream(op, rng, inputs)
    result = checks.check_backward_reference(sub, op, inputs, g,
                                             label=" (large-magnitude inputs)")
    for grad in result.grads:
        expect(bool(np.all(np.isfinite(grad))),
               f"{op}.backward returned NaN/inf for finite inputs {inputs[0]}: {grad}")
    expect(not sub.warnings, f"{op} warned during forward/backward on large-magnitude inputs: "
           f"{sub.warnings[0] if sub.warnings else ''}.")
    checks.check_backward_reference(sub, op, ZERO_D[op],
                                    checks.upstream(op, rng, ZERO_D[op]),
                                    label=" (0-d or length-1 inputs)")


@pytest.mark.multiply_backward
@pytest.mark.points(1)
def test_multiply_same_tensor_twice(sub):
    """x * x with the same Tensor as both inputs, through edugrad"""
    rng = rng_for("reuse", "multiply")
    x, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    _, grads = sub.graph("multiply", [x], [0, 0], g)
    idx = checks.worst(grads[0], 2 * g * x, 1e-6, 1e-10)
    if idx is not None:
        expect(False, "multiply(x, x) with the same Tensor twice: the gradient of x "
               f"should be 2 * x * grad_output, got {checks.fmt(grads[0][idx])} instead "
               f"of {checks.fmt(2 * g[idx] * x[idx])} at {list(idx)}. Do not rely on "
               "the two inputs being different arrays.")


@per_op("backward")
@pytest.mark.points(1)
def test_inputs_not_modified(sub, op):
    """forward leaves its inputs alone; backward leaves grad_output and the output alone"""
    rng = rng_for("mutation", op)
    inputs = checks.random_inputs(op, rng, (3, 4))
    if op == "sigmoid":
        inputs[0][0] = [-1000.0, 1000.0, -50.0, 50.0]  # where clipping would kick in
    if op == "log":
        inputs[0][0] = [1e-300, 1e-12, 1e300, 1.0]
    out, after = sub.forward_with_inputs(op, *inputs)
    checks.check_not_mutated(inputs, after, f"{op}.forward")
    g = checks.upstream(op, rng, inputs)
    result = sub.backward(op, inputs, g)
    checks.check_not_mutated(inputs, result.inputs_after, f"{op}.forward/backward")
    checks.check_not_mutated([g], [result.grad_output_after], f"{op}.backward (grad_output)")
    idx = checks.worst(result.out, out, 0.0, 0.0)
    expect(idx is None, f"{op}.backward changed the array that forward returned, in place "
           f"(at index {list(idx or ())}): that array is the op's output, which later ops "
           "use as their input. Compute the gradient in a new array (x * y makes one; "
           "x *= y does not).")


def _domain(op):
    return (-20, 20) if op == "sigmoid" else (0.05, 50) if op == "log" else (-10, 10)


@per_op("properties")
@pytest.mark.points(2)
@settings(max_examples=30)
@given(data=st.data())
def test_backward_random_shapes(sub, op, data):
    """backward equals the right gradient on random shapes and values (hypothesis)"""
    shape = data.draw(shapes(max_side=6))
    lo, hi = _domain(op)
    n = 1 if op in ("sigmoid", "log") else 2
    inputs = [data.draw(arrays(shape, lo, hi)) for _ in range(n)]
    g = data.draw(arrays(expected.output_shape(op, inputs), -5, 5))
    checks.check_backward_reference(sub, op, inputs, g, label=f" (shape {shape})")
