"""What a grade depends on, as short hashes: the submission, the grader, the rubric.

A results.json records all three, so a gradebook can tell which grades are stale:
a student whose archive changed, or every student when the grader or the rubric did.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os

from hw3 import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What grading runs: a change in any of these files changes the grader's version.
CODE = ("edugrad", "hw3", "grader", "sandboxed", os.path.join("instructor", "hidden"),
        os.path.join("instructor", "reference"), os.path.join("instructor", "mistakes.py"),
        os.path.join("data", "toy"))
SUFFIXES = (".py", ".npz", ".json", ".txt", ".tsv")
# Files under CODE that never change a grade (what gradebooks do with finished grades):
# editing them must not make every grade stale.
NOT_GRADING = tuple(os.path.join("grader", name) for name in (
    "batch.py", "gradebook.py", "results.py", "rubric_table.py"))


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def rubric_hash() -> str:
    """The points of every graded item and the total."""
    items = [[c.key, op, hidden, value] for c, op, hidden, value in registry.items()]
    text = json.dumps({"items": items, "total": registry.TOTAL}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def grader_version() -> str:
    """A hash of every file grading reads (see CODE, less NOT_GRADING)."""
    digest = hashlib.sha256()
    for top in CODE:
        path = os.path.join(ROOT, top)
        files = [path] if os.path.isfile(path) else sorted(
            os.path.join(folder, name) for folder, dirs, names in os.walk(path)
            for name in names if name.endswith(SUFFIXES) and "__pycache__" not in folder)
        for name in files:
            if os.path.relpath(name, ROOT) in NOT_GRADING:
                continue
            digest.update(os.path.relpath(name, ROOT).encode() + b"\0")
            digest.update(file_sha256(name).encode())
    return digest.hexdigest()[:16]


def submission_sha256(path: str) -> str:
    """The hash of what was handed in: a file, or every file of a folder."""
    if os.path.isfile(path):
        return file_sha256(path)
    digest = hashlib.sha256()
    for folder, dirs, names in sorted(os.walk(path)):
        dirs.sort()
        for name in sorted(names):
            full = os.path.join(folder, name)
            if os.path.isfile(full) and not os.path.islink(full):
                digest.update(os.path.relpath(full, path).encode() + b"\0")
                digest.update(file_sha256(full).encode())
    return digest.hexdigest()
