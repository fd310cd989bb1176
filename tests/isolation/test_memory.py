"""The sandbox's memory budget follows the machine or container (grader/memory.py), and
where not every worker fits, the least recently used one is stopped for the next."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from grader import memory
from grader.sandbox import MEMORY_MB, OPS, TRAIN, Sandbox

REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "instructor", "solution", "ops.py")


@pytest.fixture
def machine(monkeypatch):
    """Pretend the machine (or its cgroup) has ``limit`` MB."""
    memory.plan.cache_clear()

    def set_limit(limit):
        monkeypatch.setattr(memory, "limit_mb", lambda: limit)
        memory.plan.cache_clear()

    yield set_limit
    memory.plan.cache_clear()


@pytest.mark.parametrize("limit, sharing, expected", [
    (24000, 1, (3072, 5)),  # a workstation: the usual split, all five alive
    (768, 1, (512, 1)),     # Gradescope's default container: one worker at a time
    (768, 2, (256, 1)),     # ... shared by two graders (grade-all -j 2)
    (2048, 1, (1792, 3)),   # a 2 GB node: three alive at once
    (300, 1, (192, 1)),     # never below what training needs
    (None, 1, (3072, 5)),   # unknown: the cap
])
def test_the_budget_and_live_workers_follow_the_limit(machine, limit, sharing, expected):
    machine(limit)
    assert memory.plan(MEMORY_MB, len(OPS) + 1, sharing) == expected


def test_the_caps_of_workers_alive_at_once_fit_the_budget(machine, tmp_path):
    for limit in (768, 2048, 24000):
        machine(limit)
        box = Sandbox(REFERENCE)
        caps = sorted((box._memory(r) for r in (*OPS, TRAIN)), reverse=True)
        assert sum(caps[:box.slots]) <= box.memory_mb, (limit, caps, box.slots)
        assert min(caps) >= 128, (limit, caps)


def test_with_one_slot_the_previous_ops_worker_is_stopped_without_costing_a_retry(machine):
    machine(768)
    x = np.linspace(0.5, 2, 5)
    with Sandbox(REFERENCE) as box:
        assert box.slots == 1
        for op in ("sigmoid", "log", "sigmoid"):
            box.request({"cmd": "forward", "op": op, "inputs": [x]}, op)
            alive = [r for r, w in box.workers.items() if w.alive]
            assert alive == [op], alive
        assert box.restarts_left == {"sigmoid": 59, "log": 59}, box.restarts_left


HOG = """
import numpy as np
from edugrad.operation import Operation, tensor_op

_KEPT = []


@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        while True:
            _KEPT.append(np.ones(1 << 22))  # 32 MB at a time, touched

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output,)
"""


def test_a_memory_hog_is_stopped_at_its_workers_cap_of_the_768_mb_plan(machine, tmp_path):
    from grader.sandbox import WorkerFailure

    machine(768)
    path = tmp_path / "ops.py"
    path.write_text(HOG)
    with Sandbox(str(path)) as box:
        with pytest.raises(WorkerFailure) as failure:
            box.request({"cmd": "forward", "op": "sigmoid", "inputs": [np.ones(3)]}, "sigmoid")
    assert failure.value.kind == "memory", failure.value.message
    assert "(the limit is 512 MB for each op's process)" in failure.value.message


def test_the_cgroup_limit_is_read_from_this_process_cgroup():
    """Whatever this machine has: a number of bytes, or None for no limit; and the
    answer matches what a child placed in a 768 MB memory cgroup reads (when cgroups
    are writable here)."""
    got = memory.cgroup_limit()
    assert got is None or got > 0
    from test_batch import MemoryCgroup

    cgroup = MemoryCgroup(768)
    if cgroup.path is None:
        pytest.skip(cgroup.why)
    try:
        code = "from grader import memory; print(memory.cgroup_limit(), memory.limit_mb())"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, preexec_fn=cgroup.join,
                             cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__))))).stdout.split()
    finally:
        cgroup.remove()
    assert out == [str(768 << 20), "768"], out
