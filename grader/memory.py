"""How much memory the sandbox may give its workers here, so the kernel never has to.

A worker's address space is capped (RLIMIT_AS): a memory hog gets a MemoryError (or
dies) inside its cap, loses its op's points, and nothing else happens.  That only
holds if the caps of the workers alive at once, plus the grader itself, fit in what
the machine or container really has; otherwise the kernel's OOM killer picks a
victim, which may be the grader.  Gradescope's default container has 768 MB, so:

* ``limit_mb()``: the smallest of the memory limits of this process's cgroup and its
  ancestors (cgroup v2 ``memory.max``, v1 ``memory.limit_in_bytes``) and /proc/meminfo's
  MemTotal;
* ``plan()``: the budget for the workers (the limit minus ``HEADROOM_MB`` for the
  grader and its scratch, divided among ``$HW3_PARALLEL_GRADERS`` graders sharing the
  machine, e.g. ``grade-all -j N``; at most ``grader.sandbox.MEMORY_MB``) and how many
  workers may be alive at once: all five where the budget allows the usual split,
  else as many as get ``WORKER_MB`` each (at least one, with the whole budget).  The
  rubric runs op by op, so one worker at a time costs no restarts.

Measured here (Python 3.11, numpy with OpenBLAS, one thread): an op's worker grading
the reference peaks at ~100 MB of address space (29 MB resident), the training
worker at ~165 MB (85 MB resident), the grading process at ~65 MB resident.
"""

from __future__ import annotations

import functools
import os

HEADROOM_MB = 256   # the grading process (~65 MB), its caller, a worker's scratch tmpfs, /dev/shm
WORKER_MB = 512     # what each worker gets when they cannot all be alive at once
ALL_AT_ONCE_MB = 2560  # from this budget on, all five workers live side by side
MIN_BUDGET_MB = 192  # never less (the training worker peaks at ~165 MB)
GRADERS_ENV = "HW3_PARALLEL_GRADERS"
UNLIMITED = 1 << 60


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root, fstype, super options) of the cgroup mounts."""
    found = []
    try:
        with open("/proc/self/mountinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or not tail[0].startswith("cgroup"):
            continue
        point = fields[4].replace("\\040", " ")
        found.append((point, fields[3], tail[0], set(tail[2].split(","))))
    return found


def _read_limit(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    if not text.isdigit():
        return None  # "max"
    value = int(text)
    return value if value < UNLIMITED else None


def cgroup_limit() -> int | None:
    """The smallest memory limit (bytes) of this process's cgroup and its ancestors,
    cgroup v1 or v2; None when there is none (or no cgroup file system is visible)."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    paths = {}  # "v2" / "v1" -> cgroup path
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            paths["v2"] = parts[2]
        elif "memory" in parts[1].split(","):
            paths["v1"] = parts[2]
    limits = []
    for point, root, fstype, options in _mounts():
        if fstype == "cgroup2" and "v2" in paths:
            path, name = paths["v2"], "memory.max"
        elif fstype == "cgroup" and "memory" in options and "v1" in paths:
            path, name = paths["v1"], "memory.limit_in_bytes"
        else:
            continue
        relative = os.path.relpath(path, root) if path.startswith(root) else "."
        folder = os.path.normpath(os.path.join(point, relative))
        if not folder.startswith(point) or not os.path.isdir(folder):
            folder = point  # a container sees its own cgroup at the mount point
        while True:
            value = _read_limit(os.path.join(folder, name))
            if value is not None:
                limits.append(value)
            if folder == point or len(folder) <= len(point):
                break
            folder = os.path.dirname(folder)
    return min(limits) if limits else None


def mem_total() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def limit_mb() -> int | None:
    """What this process and its children may use at most, in MB (None: unknown)."""
    found = [v for v in (cgroup_limit(), mem_total()) if v]
    return min(found) >> 20 if found else None


def graders() -> int:
    try:
        return max(1, int(os.environ.get(GRADERS_ENV, "1")))
    except ValueError:
        return 1


@functools.lru_cache(maxsize=8)
def plan(cap_mb: int, workers: int = 5, sharing: int = 1) -> tuple[int, int]:
    """(budget in MB for the workers alive at once, how many may be alive at once)."""
    limit = limit_mb()
    budget = cap_mb if limit is None else min(cap_mb, (limit - HEADROOM_MB) // sharing)
    budget = max(budget, MIN_BUDGET_MB)
    if budget >= ALL_AT_ONCE_MB or budget >= workers * WORKER_MB:
        return budget, workers
    return budget, max(1, min(workers, budget // WORKER_MB))
