"""Turn catalog entries into the ops.py files students would hand in.

An entry is the code that differs from a correct submission: usually one op (or one
method: ``class sigmoid(sigmoid.op_class)`` overrides what it defines and inherits
the rest), sometimes module-level code.  It is appended to the reference solution,
so its definitions win; entries marked ``"base": "starter"`` in expected.json are
appended to the untouched starter instead (a submission that implements nothing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BASES = {"solution": ROOT / "instructor" / "solution" / "ops.py",
         "starter": ROOT / "starter" / "ops.py"}
EXPECTED = json.loads((HERE / "expected.json").read_text())
KINDS = ("buggy", "valid", "hostile", "numerical")


def entries(kind: str) -> list[str]:
    return list(EXPECTED.get(kind, {}))


def source(kind: str, name: str) -> str:
    """The ops.py of entry ``name`` of ``kind``."""
    entry = (HERE / kind / f"{name}.py").read_text()
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
