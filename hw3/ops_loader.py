"""Finding the ops to train with: ``--ops starter | solution | PATH``.

* ``starter``  your ``starter/ops.py``;
* ``solution`` the reference in ``instructor/solution/ops.py`` (instructors only: it is
  not part of the student release);
* ``PATH``     any ``ops.py``, or a folder holding one.

The file is loaded by path, so nothing else from its folder is imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np

from hw3.errors import NOT_UTF8, UTF8_ADVICE, UsageError
from hw3.registry import NAMES, OPS

REPO_ROOT = Path(__file__).resolve().parent.parent
NAMED = {
    "starter": REPO_ROOT / "starter" / "ops.py",
    "solution": REPO_ROOT / "instructor" / "solution" / "ops.py",
}


def resolve_ops_path(spec) -> Path:
    """The ops.py file that ``spec`` names (``UsageError`` if there is none)."""
    spec = str(spec)
    if spec in NAMED:
        path = NAMED[spec]
        if not path.is_file():
            where = "the student release has no reference solution" if spec == "solution" \
                else "the repository looks incomplete"
            raise UsageError(
                f"--ops {spec}: {path} does not exist ({where}). Use --ops starter to "
                "train with your own ops, or --ops PATH/TO/ops.py."
            )
        return path
    path = Path(spec)
    if path.is_dir():
        path = path / "ops.py"
    if not path.is_file():
        raise UsageError(
            f"--ops {spec}: no such file{' (looked for ops.py in that folder)' if Path(spec).is_dir() else ''}. "
            "Give `starter` (your starter/ops.py), `solution`, or the path of an ops.py "
            "file or of a folder that holds one."
        )
    return path


def load_ops(spec):
    """Load the module named by ``spec``; it must define every op of hw3/registry.py.

    Raises ``UsageError`` (a one-paragraph message) when the file is missing, fails
    to import, or lacks one of the four ops.
    """
    path = resolve_ops_path(spec)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    name = f"_hw3_ops_{digest}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:  # a student's file can fail in any way on import
        sys.modules.pop(name, None)
        where = ""
        if isinstance(err, SyntaxError) and err.lineno:
            where = f" (line {err.lineno})"
        if isinstance(err, SyntaxError) and NOT_UTF8 in str(err):
            raise UsageError(f"--ops {spec}: {path} is not UTF-8 text{where}: {UTF8_ADVICE}, "
                             "then try again.") from None
        if isinstance(err, SystemExit):
            raise UsageError(
                f"--ops {spec}: importing {path} called sys.exit({err.code!r}): an ops file "
                "must only define the ops. Remove that call (and any code outside the op "
                "classes that runs on import), then try again."
            ) from None
        raise UsageError(
            f"--ops {spec}: importing {path} failed{where} with {type(err).__name__}: "
            f"{err}. Fix the file (run `make test` for a full report) and try again."
        ) from None
    missing = [op for op in NAMES if not callable(getattr(module, op, None))]
    if missing:
        raise UsageError(
            f"--ops {spec}: {path} does not define {', '.join(missing)}. An ops file must "
            f"define every op ({', '.join(NAMES)}) as @tensor_op functions, like "
            "starter/ops.py does."
        )
    undecorated = [op for op in NAMES if not hasattr(getattr(module, op), "op_class")]
    if undecorated:
        raise UsageError(
            f"--ops {spec}: in {path}, {', '.join(undecorated)} "
            f"{'is' if len(undecorated) == 1 else 'are'} not decorated with @tensor_op, so "
            "edugrad cannot call them on Tensors. Put `@tensor_op` on the line just above "
            f"each `class {undecorated[0]}(Operation):`, as in the starter file."
        )
    module.__hw3_path__ = path
    return module


def shown_path(path) -> str:
    """``path`` relative to the repository when inside it (the same in every clone)."""
    try:
        return Path(path).resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def check_ops(ops) -> None:
    """Run each op forward and backward once on a tiny input.

    Raises ``UsageError`` saying "implement starter/ops.py first" when ops are still
    stubs, or naming the op that failed otherwise, so training never starts with ops
    that cannot work.
    """
    from edugrad.tensor import Tensor

    rng = np.random.default_rng(0)
    trials = {op.name: [Tensor(x) for x in op.sample(rng, (2, 3))] for op in OPS}
    where = shown_path(getattr(ops, "__hw3_path__", NAMED["starter"]))
    todo, failures = [], []
    for name, inputs in trials.items():
        try:
            out = getattr(ops, name)(*inputs)
            out.backward(np.ones(out.value.shape))
        except NotImplementedError:
            todo.append(name)
        except (Exception, SystemExit) as err:  # any mistake in a student's op
            first_line = str(err).strip().splitlines()[0].rstrip(".") if str(err).strip() else ""
            failures.append(f"{name} raised {type(err).__name__}"
                            + (f" ({first_line})" if first_line else ""))
    if todo:
        raise UsageError(
            f"Implement {where} first (run `make test`): {', '.join(todo)} "
            f"{'is still a stub that raises' if len(todo) == 1 else 'are still stubs that raise'} "
            "NotImplementedError. Training needs every op; `make test` checks each "
            "one and tells you what is left."
        )
    if failures:
        raise UsageError(
            "Your ops failed on a small test input before training started: "
            + "; ".join(failures)
            + f". Run `make test` to see exactly what is wrong, fix {where}, then train."
        )


def unwritten(path) -> list[str]:
    """The ops of the ops file at ``path`` that are still stubs (forward and backward
    only raise), read from the source without running it.  For the starter this is
    every op; instructors' tools refuse to ship a starter for which it is not."""
    import ast

    from hw3.registry import NAMES

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    stubs = []
    for name in NAMES:
        cls = classes.get(name)
        methods = [n for n in (cls.body if cls else []) if isinstance(n, ast.FunctionDef)
                   and n.name in ("forward", "backward")]
        if len(methods) == 2 and all(_only_raises(m) for m in methods):
            stubs.append(name)
    return stubs


def _only_raises(fn) -> bool:
    import ast

    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return len(body) == 1 and isinstance(body[0], ast.Raise)
