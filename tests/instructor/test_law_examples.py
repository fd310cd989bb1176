"""The examples the law tests judge depend on the seed and the strategies alone.

Hypothesis also draws numbers written in the source of the local modules imported so
far; instructor/law_examples.py turns that off, or rebuilding the cases would change the
examples with any edit of the repository.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DRAW = """
import hashlib, sys
if sys.argv[1] != "-":
    sys.path.insert(0, sys.argv[1])
    import extra_constants  # a local module full of numbers in the laws' range
from hw3.registry import OPS
from instructor import law_examples
drawn = [a for op in OPS for ex in law_examples.draw(op, 575) for a in ex["inputs"]]
print(hashlib.sha256(b"".join(repr(a.shape).encode() + a.tobytes() for a in drawn)).hexdigest(),
      len(drawn))
"""


def drawn(extra: str) -> str:
    out = subprocess.run([sys.executable, "-c", DRAW, extra], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_law_examples_do_not_change_when_another_local_module_is_imported(tmp_path):
    numbers = ", ".join(f"{v / 8:.4f}" for v in range(-79, 80, 3))
    (tmp_path / "extra_constants.py").write_text(f"VALUES = [{numbers}]\n")
    plain, with_extra = drawn("-"), drawn(str(tmp_path))
    assert plain.endswith(" 96"), plain  # 12 examples of 4 ops, 2 arrays each
    assert with_extra == plain
