"""What the four ops must compute (the grader's side, float64).

This file ships to students with the public tests, so it holds the ops' *definitions*
(what forward computes) and no derivative formula: the expected gradients are
derived from the definitions numerically, by the complex step.

The complex step: for a function f that is analytic (sigmoid, log, products, sums
are), f(x + ih) = f(x) + ih f'(x) - h^2 f''(x) / 2 + ..., so Im f(x + ih) / h = f'(x)
up to h^2 terms.  Unlike a finite difference there is no subtraction, hence no
cancellation: with h = 2^-26 (relative to |x| for log) the result is exact to float64
rounding, which is what comparing against a closed form would give.
"""

from __future__ import annotations

import numpy as np

STEP = 2.0**-26
SIGMOID_CLIP = 40.0  # the slope of sigmoid beyond +-40 is < 5e-18: 0 at the grader's tolerances


def sigmoid(a):
    """1 / (1 + e^-a), as defined.  For a < -709, e^-a overflows to inf and the result
    is 0.0, which is the correctly rounded value, so the overflow is not an error here."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-a))


def _forward(op: str, inputs):
    if op == "sigmoid":
        return sigmoid(inputs[0])
    if op == "log":
        return np.log(inputs[0])
    if op == "multiply":
        return inputs[0] * inputs[1]
    if op == "dot":
        return np.sum(inputs[0] * inputs[1], axis=-1)
    raise KeyError(op)


def forward(op: str, inputs) -> np.ndarray:
    return _forward(op, [np.asarray(x, dtype=np.float64) for x in inputs])


def _slope(op: str, inputs, i: int, position=...) -> np.ndarray:
    """d forward / d inputs[i] (at ``position`` of the last axis, for dot), by the complex step.

    Every output element depends only on the input elements at the same position
    (for dot: the same position except along the summed last axis), so one complex
    evaluation gives the derivative of every output element at once.
    """
    x = inputs[i]
    h = np.where(x != 0, STEP * np.abs(x), STEP) if op == "log" else np.full(x.shape, STEP)
    if op == "sigmoid":
        x = np.asarray(np.clip(x, -SIGMOID_CLIP, SIGMOID_CLIP))  # e^-x stays finite (complex too)
    z = np.array(x, dtype=np.complex128)
    z[position] += 1j * h[position]
    stepped = list(inputs)
    stepped[i] = z
    return _forward(op, stepped).imag / h[position]


def gradients(op: str, inputs, g) -> list[np.ndarray]:
    """dL/d(input) for each input, given the upstream gradient ``g``: the chain rule,
    g times the slope of the output with respect to that input."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    g = np.asarray(g, dtype=np.float64)
    grads = []
    for i, x in enumerate(inputs):
        if op == "dot":
            grad = np.empty(x.shape)
            for j in range(x.shape[-1]):
                grad[..., j] = g * _slope(op, inputs, i, (..., j))
        else:
            grad = g * _slope(op, inputs, i)
        grads.append(grad)
    return grads


def output_shape(op: str, inputs) -> tuple[int, ...]:
    shape = np.shape(inputs[0])
    return shape[:-1] if op == "dot" else shape
