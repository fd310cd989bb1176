"""A batch as grade-all runs one: every hostile entry of tests/isolation/submissions, then
the reference, each graded by its own ``python -m grader grade`` process (two at a
time, as ``grade-all -j 2``), all inside a 768 MB memory cgroup with no swap (what
Gradescope's container has), while listeners wait on every kind of socket.

Afterwards: the kernel's OOM killer never fired, each hostile entry lost only the
points of the op it is in (and of training, which runs every op), the reference
graded after all of them scores 100, the listeners heard nothing, the repository and
site-packages are unchanged (content and modes), no process of the batch is left,
and nothing was left in the shared temp folders.  The batch runs once for the
module; each test reads one of these facts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from isolation_support import (
    EXPECTED,
    NETWORK,
    OPS,
    PLANTED_NAMES,
    ROOT,
    Listeners,
    changes,
    hostile_names,
    processes,
    remove_planted,
    restore_modes,
    sandbox_uid,
    shared_folders,
    site_packages,
    snapshot,
    write_submission,
)

MEMORY_MB = 768  # Gradescope's default container
JOBS = 2
GRADE_TIMEOUT = 300  # s per grade process (the reference takes ~3 CPU-s)
REFERENCE = ROOT / "instructor" / "solution" / "ops.py"
CODE = [ROOT / n for n in ("edugrad", "hw3", "sandboxed", "grader", "starter", "data")]
POISONED = ["edugrad/operation.py", "edugrad/__init__.py", "hw3/__init__.py",
            "sandboxed/worker.py"]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


# --------------------------------------------------------------------------- cgroup
class MemoryCgroup:
    """A child memory cgroup (v2 ``memory.max``, v1 ``memory.limit_in_bytes``) with swap
    off; ``oom_kills()`` reads how often the kernel's OOM killer fired in it."""

    def __init__(self, limit_mb: int):
        self.path: str | None = None
        self.version = 0
        self.why = "no writable memory cgroup (v1 or v2) for this process"
        name = f"hw3-isolation-{os.getpid()}"
        for version, folder in self._candidates():
            path = os.path.join(folder, name)
            try:
                os.mkdir(path)
            except OSError as err:
                self.why = f"cannot make a cgroup in {folder} ({err.strerror})"
                continue
            try:
                self._limit(version, path, limit_mb << 20)
            except OSError as err:
                self.why = f"cannot set the memory limit of {path} ({err.strerror})"
                os.rmdir(path)
                continue
            self.path, self.version = path, version
            return

    @staticmethod
    def _candidates():
        try:
            with open("/proc/self/cgroup") as f:
                lines = f.read().splitlines()
        except OSError:
            return
        for line in lines:
            number, controllers, path = line.split(":", 2)
            if number == "0" and controllers == "" and os.path.exists(
                    "/sys/fs/cgroup/cgroup.controllers"):
                own = "/sys/fs/cgroup" + path.rstrip("/")
                for folder in (own, "/sys/fs/cgroup"):
                    try:
                        with open(os.path.join(folder, "cgroup.subtree_control")) as f:
                            if "memory" in f.read().split():
                                yield 2, folder
                    except OSError:
                        pass
            elif "memory" in controllers.split(","):
                folder = "/sys/fs/cgroup/memory" + path.rstrip("/")
                if os.path.isdir(folder):
                    yield 1, folder

    @staticmethod
    def _limit(version: int, path: str, limit: int) -> None:
        def write(name, value):
            with open(os.path.join(path, name), "w") as f:
                f.write(str(value))

        if version == 2:
            write("memory.max", limit)
            if os.path.exists(os.path.join(path, "memory.swap.max")):
                write("memory.swap.max", 0)
        else:
            write("memory.limit_in_bytes", limit)
            if os.path.exists(os.path.join(path, "memory.memsw.limit_in_bytes")):
                write("memory.memsw.limit_in_bytes", limit)

    def join(self) -> None:  # in the child, before exec
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def events(self) -> dict[str, int]:
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        with open(os.path.join(self.path, name)) as f:
            pairs = [line.split() for line in f.read().splitlines()]
        found = {k: int(v) for k, v in pairs if v.isdigit()}
        if self.version == 1:
            with open(os.path.join(self.path, "memory.failcnt")) as f:
                found["limit_hits"] = int(f.read())
            with open(os.path.join(self.path, "memory.max_usage_in_bytes")) as f:
                found["peak_mb"] = int(f.read()) >> 20
        return found

    def pids(self) -> list[int]:
        with open(os.path.join(self.path, "cgroup.procs")) as f:
            return [int(p) for p in f.read().split()]

    def remove(self) -> None:
        for _ in range(50):
            left = self.pids()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.1)
        try:
            os.rmdir(self.path)
        except OSError:
            pass


# --------------------------------------------------------------------------- the batch
@dataclass
class Batch:
    results: dict[str, dict] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    heard: list = field(default_factory=list)
    changed: dict = field(default_factory=dict)
    left_processes: list = field(default_factory=list)
    left_files: list = field(default_factory=list)
    cgroup: MemoryCgroup | None = None
    events: dict = field(default_factory=dict)
    seconds: float = 0.0


def _grade(name: str, sub: Path, out: Path, tmp: Path, home: Path, cgroup) -> subprocess.Popen:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(tmp), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "HW3_PARALLEL_GRADERS": str(JOBS)}
    log = open(out.parent / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "grader", "grade", str(sub), "--out",
                             str(out)], cwd=ROOT, env=env, stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=cgroup.join if cgroup else None)


def _run(queue, work, tmp, home, cgroup, batch) -> None:
    running: list[tuple[str, subprocess.Popen, float]] = []
    queue = list(queue)
    while queue or running:
        while queue and len(running) < JOBS:
            name, sub = queue.pop(0)
            running.append((name, _grade(name, sub, work / "out" / name, tmp, home, cgroup),
                            time.monotonic()))
        time.sleep(0.1)
        for entry in list(running):
            name, proc, started = entry
            if proc.poll() is None and time.monotonic() - started < GRADE_TIMEOUT:
                continue
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                batch.errors[name] = f"killed after {GRADE_TIMEOUT} s"
            running.remove(entry)
            results = work / "out" / name / "results.json"
            if proc.returncode == 0 and results.exists():
                batch.results[name] = json.loads(results.read_text())
            else:
                log = (work / "out" / f"{name}.log").read_text(errors="replace")
                batch.errors.setdefault(name, f"exit {proc.returncode}: {log[-1500:]}")


@pytest.fixture(scope="module")
def batch():
    work = Path(tempfile.mkdtemp(prefix="hw3-isolation-batch-"))
    tmp, home, subs = work / "tmp", work / "home", work / "submissions"
    for folder in (tmp, home, subs, work / "out"):
        folder.mkdir()
    watched = [*shared_folders(), str(home), *site_packages(), site.getusersitepackages()]
    saved = {p: (ROOT / p).read_bytes() for p in POISONED}
    before = snapshot([*CODE, *site_packages()], hashed=CODE)
    cgroup = MemoryCgroup(MEMORY_MB)
    result = Batch(cgroup=cgroup if cgroup.path else None)
    start = time.monotonic()
    try:
        with Listeners() as listeners:
            queue = []
            for name in hostile_names():
                path = listeners.submission(subs) if name == NETWORK else subs / f"{name}.py"
                if name != NETWORK:
                    write_submission(name, path)
                queue.append((name, path))
            _run(queue, work, tmp, home, result.cgroup, result)
            shutil.copyfile(REFERENCE, subs / "reference.py")  # graded after all of them
            _run([("reference", subs / "reference.py")], work, tmp, home, result.cgroup, result)
            time.sleep(0.5)
            result.heard = list(listeners.received)
        result.seconds = time.monotonic() - start
        if result.cgroup:
            result.events = result.cgroup.events()
            result.left_processes = result.cgroup.pids()
        result.left_processes += processes(
            lambda uid, cmd: sandbox_uid(uid) or str(work) in cmd)
        result.left_files = [os.path.join(f, n) for f in watched for n in PLANTED_NAMES
                             if os.path.lexists(os.path.join(f, n))]
        result.left_files += [str(p) for p in tmp.iterdir()]
        result.changed = changes(before, snapshot([*CODE, *site_packages()], hashed=CODE))
        yield result
    finally:  # undo whatever got through, so a failing test leaves no damage behind
        if result.cgroup:
            result.cgroup.remove()
        restore_modes(before)
        remove_planted(watched)
        for rel, data in saved.items():
            if (ROOT / rel).read_bytes() != data:
                (ROOT / rel).write_bytes(data)
        for folder in ("sandboxed", "edugrad"):
            (ROOT / folder / "numpy.py").unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _by_op(results: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for test in results["tests"]:
        out.setdefault(test["extra_data"]["op"], []).append(test)
    return out


# --------------------------------------------------------------------------- the facts
def test_every_grade_process_finished(batch):
    assert batch.errors == {}, batch.errors
    assert set(batch.results) == {*hostile_names(), "reference"}


def test_the_kernels_oom_killer_never_fired_in_a_768_mb_cgroup(batch):
    if batch.cgroup is None:
        pytest.skip(MemoryCgroup(MEMORY_MB).why)
    assert batch.events.get("oom_kill", 0) == 0, batch.events
    assert batch.events.get("oom", 0) == 0 or batch.cgroup.version == 1, batch.events


def test_the_memory_hog_was_stopped_by_the_sandboxs_own_limit(batch):
    tests = _by_op(batch.results["memory_hog_dot_backward"])["dot"]
    messages = " ".join(t["output"] for t in tests if t["status"] == "failed")
    assert "memory hog: held" in messages and "MemoryError" in messages, messages[:2000]


@pytest.mark.parametrize("name", hostile_names())
def test_a_hostile_entry_loses_only_the_points_of_its_own_op(batch, name):
    results = batch.results[name]
    affected = set(EXPECTED[name]["affected"])
    lost = {t["name"]: t["output"][:300] for op, tests in _by_op(results).items()
            if op not in affected and op != "training" for t in tests
            if t["status"] != "passed"}
    assert lost == {}, f"{name} cost other ops' points: {lost}"
    for op in EXPECTED[name]["must_fail"]:
        assert any(t["status"] == "failed" for t in _by_op(results)[op]), (
            f"{name}: {op} lost nothing")
    assert set(_by_op(results)) == {*OPS, "training"}


def test_the_reference_graded_after_them_scores_100(batch):
    results = batch.results["reference"]
    failed = {t["name"]: t["output"][:300] for t in results["tests"] if t["status"] != "passed"}
    assert (results["score"], failed) == (100.0, {}), failed


def test_no_listener_heard_anything(batch):
    assert batch.heard == [], batch.heard


def test_the_repository_and_site_packages_are_unchanged(batch):
    assert batch.changed == {}, dict(list(batch.changed.items())[:20])


def test_no_process_of_the_batch_is_left(batch):
    assert batch.left_processes == [], batch.left_processes


def test_nothing_is_left_in_shared_temp_folders_or_home(batch):
    assert batch.left_files == [], batch.left_files
