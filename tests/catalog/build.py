"""Turn catalog entries into the ops.py files students would hand in.

An entry is the code that differs from a correct submission, appended to the
reference solution so that its definitions win (entries marked ``"base": "starter"``
in expected.json go after the untouched starter instead: a submission that
implements nothing).  A line ``# include: NAME`` is replaced by ``parts/NAME.py``,
code several hostile entries share (it uses the entry's imports).  A top-level ``def sigmoid_backward(ctx, grad_output)`` (any op
of the registry, ``forward`` or ``backward``) is one method of an override: it
becomes ``backward`` of ``@tensor_op class sigmoid(sigmoid.op_class)``, which
inherits the methods the entry does not define.  Everything else is kept as written.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BASES = {"solution": ROOT / "instructor" / "solution" / "ops.py",
         "starter": ROOT / "starter" / "ops.py"}
EXPECTED = json.loads((HERE / "expected.json").read_text())
KINDS = ("buggy", "valid", "hostile", "numerical")
PARTS = HERE / "parts"
METHODS = ("forward", "backward")


def _op_names() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from hw3.registry import OPS

    return {op.name for op in OPS}


def include(entry: str) -> str:
    """``entry`` with each ``# include: NAME`` line replaced by ``parts/NAME.py``."""
    return "".join((PARTS / f"{line.split(':', 1)[1].strip()}.py").read_text()
                   if line.startswith("# include:") else line
                   for line in entry.splitlines(keepends=True))


def expand(entry: str) -> str:
    """``entry`` with each op's ``<op>_<method>`` functions gathered into an override
    class, placed where the op's first such function was."""
    try:
        tree = ast.parse(entry)
    except SyntaxError:
        return entry  # a syntax-error entry stays as it is
    names = _op_names()
    methods: dict[str, list[ast.FunctionDef]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.decorator_list:
            op, _, method = node.name.rpartition("_")
            if op in names and method in METHODS:
                methods.setdefault(op, []).append(node)
    lines = entry.splitlines()
    replace: dict[int, tuple[int, list[str]]] = {}  # first line -> (end, new lines)
    for op, funcs in methods.items():
        body = []
        for func in funcs:
            text = lines[func.lineno - 1:func.end_lineno]
            text[0] = text[0].replace(f"def {func.name}(", f"def {func.name[len(op) + 1:]}(", 1)
            body += ([""] if body else []) + ["    @staticmethod"] + [
                "    " + line if line.strip() else "" for line in text]
        first, *rest = funcs
        replace[first.lineno - 1] = (first.end_lineno,
                                     ["@tensor_op", f"class {op}({op}.op_class):", *body])
        for func in rest:
            replace[func.lineno - 1] = (func.end_lineno, [])
    out, i = [], 0
    while i < len(lines):
        if i in replace:
            end, new = replace[i]
            out += new
            i = end
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out) + "\n"


def entries(kind: str) -> list[str]:
    return list(EXPECTED.get(kind, {}))


def source(kind: str, name: str) -> str:
    """The ops.py of entry ``name`` of ``kind``."""
    entry = expand(include((HERE / kind / f"{name}.py").read_text()))
    base = BASES[EXPECTED[kind][name].get("base", "solution")]
    return base.read_text().rstrip() + f"\n\n\n# ---- catalog entry {kind}/{name} ----\n" + entry


def write(folder: Path, kind: str, name: str, entry_id: str | None = None) -> Path:
    """Write the entry as ``folder/<id>/ops.py`` (a student's folder); return it."""
    target = folder / (entry_id or f"{kind}-{name}") / "ops.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source(kind, name))
    return target


if __name__ == "__main__":  # python tests/catalog/build.py OUT: every entry, for grade-all
    import sys

    out = Path(sys.argv[1])
    for kind in KINDS:
        for name in entries(kind):
            write(out, kind, name)
    print(f"wrote {sum(len(entries(k)) for k in KINDS)} entries to {os.fspath(out)}")
