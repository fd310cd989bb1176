"""`make check` runs every test file under tests/.

pytest skips folders matching its ``norecursedirs``, whose default holds "dist": for a
while tests/dist (the release, the Gradescope bundle, the cluster files) was silently
left out of `make check`.  This asks pytest, as `make check` calls it, what it collects.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_check_collects_every_test_file_under_tests():
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    collected = {line.split("::", 1)[0] for line in run.stdout.splitlines() if "::" in line}
    on_disk = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")}
    assert on_disk - collected == set(), f"never run by make check: {sorted(on_disk - collected)}"
