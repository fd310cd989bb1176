"""What the four ops must compute, in closed form (the grader's side, float64).

Used to check forward values and gradients, and to build the transformed gradients
that recognise common mistakes (``grader.diagnose``).
"""

from __future__ import annotations

import numpy as np


def sigmoid(a):
    a = np.asarray(a, dtype=np.float64)
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def forward(op: str, inputs) -> np.ndarray:
    a = np.asarray(inputs[0], dtype=np.float64)
    if op == "sigmoid":
        return sigmoid(a)
    if op == "log":
        return np.log(a)
    b = np.asarray(inputs[1], dtype=np.float64)
    if op == "multiply":
        return a * b
    if op == "dot":
        return np.sum(a * b, axis=-1)
    raise KeyError(op)


def gradients(op: str, inputs, g) -> list[np.ndarray]:
    """dL/d(input) for each input, given the upstream gradient ``g``."""
    a = np.asarray(inputs[0], dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    if op == "sigmoid":
        s = sigmoid(a)
        return [g * s * (1 - s)]
    if op == "log":
        return [g / a]
    b = np.asarray(inputs[1], dtype=np.float64)
    if op == "multiply":
        return [g * b, g * a]
    if op == "dot":
        return [g[..., None] * b, g[..., None] * a]
    raise KeyError(op)


def output_shape(op: str, inputs) -> tuple[int, ...]:
    shape = np.shape(inputs[0])
    return shape[:-1] if op == "dot" else shape
