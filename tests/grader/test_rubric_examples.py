"""The examples the rubric's law tests draw depend on the seed and the strategies alone.

Hypothesis also draws numbers written in the source of the local modules imported so
far; the grading profile turns that off, or the examples a submission is judged on would
change with any edit of the grader and differ between ``make test`` in the release and
the bundle's grading, which import other modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DRAW = """
import hashlib, sys
import grader.rubric.plugin  # the grading profile, as every rubric run loads it
if sys.argv[1] != "-":
    sys.path.insert(0, sys.argv[1])
    import extra_constants  # a local module full of numbers in the laws' range
from hypothesis import given, strategies as st
from grader.rubric import laws
drawn = []
@given(st.data())
def draw(data):
    shape = data.draw(laws.shapes())
    drawn.append(data.draw(laws.arrays(shape, -10.0, 10.0)))
for _ in range(5):
    draw()
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
    assert plain.endswith(" 60"), plain  # 5 runs of the profile's 12 examples
    assert with_extra == plain
