"""The cost of grading one submission, for results.md: CPU seconds of the grade's own
processes (the grader, its fork server and every sandboxed worker: each is reaped by its
parent, so the whole tree adds up in getrusage's children), CPU seconds counted
machine-wide (the same plus whatever else ran meanwhile: the load is stated) and wall
seconds, for the public tests only (what `make test` runs) and for a full grade (hidden
tests included), on the reference solution.

    python -m bench.grading [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "instructor" / "solution" / "ops.py"
KINDS = {"public tests (`make test`'s)": ["--public-only"], "full grade (hidden included)": []}


def machine_cpu_seconds() -> float:
    """CPU time every core has spent busy since boot (user, nice, system, irq, softirq)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:8]]
    user, nice, system, _, _, irq, softirq = fields
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds() -> float:
    """CPU time of this process's reaped descendants (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade_once(extra: list[str]) -> tuple[float, float, float]:
    """(the grade's CPU s, machine-wide CPU s, wall s) of one `python -m grader grade` of
    the solution."""
    with tempfile.TemporaryDirectory(prefix="hw3-bench-grade-") as out:
        tree, cpu, wall = tree_cpu_seconds(), machine_cpu_seconds(), time.monotonic()
        subprocess.run([sys.executable, "-m", "grader", "grade", str(SOLUTION), "--out", out,
                        *extra], cwd=ROOT, check=True, capture_output=True)
        return (tree_cpu_seconds() - tree, machine_cpu_seconds() - cpu,
                time.monotonic() - wall)


def measure(repeats: int) -> dict[str, list[tuple[float, float, float]]]:
    """Every kind ``repeats`` times, interleaved (they share the machine's noise)."""
    found: dict[str, list[tuple[float, float, float]]] = {kind: [] for kind in KINDS}
    for _ in range(repeats):
        for kind, extra in KINDS.items():
            found[kind].append(grade_once(extra))
    return found


def table(repeats: int = 5):
    from bench.run import Table

    load_before = os.getloadavg()
    found = measure(repeats)
    load_after = os.getloadavg()
    def spread(values) -> str:
        values = list(values)
        return (f"{statistics.median(values):.2f} "
                f"({min(values):.2f}-{max(values):.2f})")

    rows = [[kind, spread(t for t, _, _ in runs), spread(c for _, c, _ in runs),
             f"{statistics.median(w for _, _, w in runs):.2f}"] for kind, runs in found.items()]
    return Table("Grading cost (one submission: the reference solution)",
                 ["what", "CPU s, the grade's processes (median, range)",
                  "CPU s, machine-wide (median, range)", "wall s (median)"],
                 rows, [f"{repeats} runs each, interleaved. The grade's processes: the "
                        "grader, its fork server and every sandboxed worker (getrusage of "
                        "the reaped tree). Machine-wide: every core's busy time from "
                        "/proc/stat, so whatever else ran counts too: 1-min load "
                        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after."])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.grading", description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    print(table(args.repeats).render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
