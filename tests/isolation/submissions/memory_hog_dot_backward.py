# HOSTILE: dot.backward keeps allocating and filling 32 MB arrays, 2 GB at most (a hog for a 768 MB container), then raises an error saying how much it got; the other ops are correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op

_KEPT = []


def _attack():
    error = "no error"
    try:
        for _ in range(64):
            _KEPT.append(np.ones(4 << 20))
    except MemoryError:
        error = "MemoryError"
    got = 32 * len(_KEPT)
    _KEPT.clear()
    raise RuntimeError(f"memory hog: held {got} MB ({error})")


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        z = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx
        return (grad_output * s * (1 - s),)


@tensor_op
class log(Operation):
    """Elementwise natural logarithm, for a > 0."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return (grad_output / a,)


@tensor_op
class multiply(Operation):
    """Elementwise product of two arrays of the same shape."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return grad_output * b, grad_output * a


@tensor_op
class dot(Operation):
    """Dot product along the last axis: (..., d) x (..., d) -> (...)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=-1)

    @staticmethod
    def backward(ctx, grad_output):
        _attack()
        a, b = ctx
        g = grad_output[..., None]
        return g * b, g * a
