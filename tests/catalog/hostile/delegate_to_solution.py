# HOSTILE: implements nothing and delegates: looks for complete ops files it can read (instructor/solution/ops.py, the catalogs' valid entries, the repository's git objects and built bundles, the other submissions of the class found from its ancestors' command lines) and re-exports the first one's ops; where it can read none, the unimplemented starter remains, so it must score exactly like the stub.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""


import importlib.util
import os
import sys
import zipfile
import zlib

import edugrad

OPS = ("sigmoid", "log", "multiply", "dot")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
HERE = os.path.realpath(os.path.abspath(__file__))
BUDGET = [4000]  # files looked at, at most: this must not hang the grader


def _complete(text: str) -> bool:
    return ("NotImplementedError" not in text and "_todo(" not in text
            and all(f"class {op}" in text for op in OPS))


def _read(path: str) -> str:
    BUDGET[0] -= 1
    try:
        if os.path.realpath(path) == HERE or os.path.getsize(path) > 200_000:
            return ""
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _walk(folder: str, depth: int = 3):
    for top, dirs, files in os.walk(folder):
        if BUDGET[0] <= 0 or os.path.relpath(top, folder).count(os.sep) >= depth:
            dirs[:] = []
        for name in files:
            if name.endswith(".py") and BUDGET[0] > 0:
                yield os.path.join(top, name)


# include: ancestors


def _ancestor_paths():
    for args in _ancestor_argvs():
        for arg in args:
            if arg.startswith("/") and os.path.exists(arg):
                yield arg if os.path.isdir(arg) else os.path.dirname(arg)


def _texts():
    yield _read(os.path.join(ROOT, "instructor", "solution", "ops.py"))
    for path in _walk(os.path.join(ROOT, "tests", "catalog", "valid"), 1):
        yield _read(path)
    for folder in _ancestor_paths():  # the class's submissions: copy a classmate
        for near in (folder, os.path.dirname(folder)):
            for path in _walk(near, 3):
                yield _read(path)
    objects = os.path.join(ROOT, ".git", "objects")
    for top, _, files in os.walk(objects):
        for name in files:
            BUDGET[0] -= 1
            if BUDGET[0] <= 0:
                return
            try:
                with open(os.path.join(top, name), "rb") as f:
                    yield zlib.decompress(f.read()).decode(errors="replace").split("\0", 1)[-1]
            except (OSError, zlib.error):
                pass
    bundle = os.path.join(ROOT, "dist", "autograder.zip")
    try:
        with zipfile.ZipFile(bundle) as zf:
            yield zf.read("instructor/solution/ops.py").decode(errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        pass


def _delegate() -> bool:
    for text in _texts():
        if text and _complete(text):
            path = os.path.join(os.getcwd(), "borrowed_ops.py")
            try:
                with open(path, "w") as f:
                    f.write(text)
                spec = importlib.util.spec_from_file_location("borrowed_ops", path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
            except Exception:  # noqa: BLE001 - a broken find: keep looking
                continue
            me = sys.modules[__name__]
            for op in OPS:
                setattr(me, op, getattr(module, op))
            return True
    return False


_delegate()
