"""What holds where namespaces are refused: hosts simulated by tests/isolation/host.py.

* Gradescope: root in a container whose seccomp profile refuses namespaces, without
  CAP_SYS_ADMIN, read-only cgroups; and no Landlock either (an older kernel), so the
  second user alone must hold.  The grader runs from a fake /autograder/source (a
  copy of what the bundle holds) after setup.sh's ``lock_secrets``.
* a locked-down cluster node: an ordinary user (nobody) without namespaces, in a
  checkout of its own; with Landlock (Linux >= 5.13) every property holds, without
  it ``confine.status()`` says exactly which do not.

Each run drives the hostile submissions through the sandbox (tests/isolation/drive.py:
every op's forward and backward once) while listeners wait; the tests then look at
the report and at the world: what the submissions could do, what they left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from isolation_support import (
    DRIVE,
    EXPECTED,
    HOST,
    NETWORK,
    OPS,
    PLANTED_NAMES,
    Listeners,
    changes,
    fake_autograder,
    files_of_sandbox_uids,
    hostile_names,
    sandbox_uid,
    shared_folders,
    site_packages,
    snapshot,
    wait_until_gone,
    world_python,
    write_submission,
)
from test_batch import MemoryCgroup

from grader import landlock, seccomp

NOBODY = 65534
REFERENCE = Path(__file__).resolve().parents[2] / "instructor" / "solution" / "ops.py"
pytestmark = [
    pytest.mark.slow, pytest.mark.timeout(900),
    pytest.mark.skipif(os.geteuid() != 0, reason="simulating these hosts needs root"),
    pytest.mark.skipif(not shutil.which("setpriv"), reason="setpriv (util-linux) is missing"),
    pytest.mark.skipif(seccomp.machine() is None, reason="no seccomp filter for this machine"),
]
# On the node, the kinds whose containment depends on the route (the resource
# limits are the same everywhere and are run on the Gradescope host).
NODE_KINDS = ["chmod_sweep_sigmoid_forward", "fork_bomb_log_backward",
              "poison_the_fork_server_sigmoid_forward",
              "leave_daemon_dot_forward", NETWORK, "poison_repository_multiply_forward",
              "poison_site_packages_pth_sigmoid_forward", "poison_sitecustomize_log_forward",
              "privilege_probes_dot_forward"]
PROBES_REFUSED = ("setuid", "setgroups", "ptrace_parent", "parent_mem", "parent_environ",
                  "instructor", "grader", "unshare_unmount", "kill_all")


@dataclass
class Run:
    report: dict
    heard: list
    changed: dict
    left_processes: list
    left_files: list
    planted: list
    memory_events: dict | None = None  # of the 768 MB cgroup it ran in, if one was made


@dataclass
class Place:
    base: Path
    python: str


@pytest.fixture(scope="module")
def place():
    base = Path(tempfile.mkdtemp(prefix="hw3-isolation-routes-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        python = world_python(base)
        if python is None:
            pytest.skip("no Python every user can run with this environment's packages")
        yield Place(base, python)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def drive(place: Place, name: str, source: Path, host_args: list[str], kinds: list[str],
          route: str, user: int = 0, memory_mb: int | None = None) -> Run:
    """Drive ``kinds`` on a simulated host, from ``source``, as ``user`` (in a memory
    cgroup of ``memory_mb``, where one can be made)."""
    run = place.base / name
    subs, tmp, home = run / "subs", run / "tmp", run / "home"
    for folder in (run, subs, tmp, home):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, user, user)
    os.chmod(run, 0o755)
    os.chmod(subs, 0o755)
    watched = [*shared_folders(), str(home), *site_packages()]
    before = snapshot([source, *site_packages()], hashed=[source])
    with Listeners() as listeners:
        paths = []
        for kind in [*kinds, "reference"] if kinds else []:  # a correct one after them
            path = listeners.submission(subs) if kind == NETWORK else subs / f"{kind}.py"
            if kind == "reference":
                shutil.copyfile(REFERENCE, path)
            elif kind != NETWORK:
                write_submission(kind, path)
            os.chmod(path, 0o644)
            paths.append(str(path))
        report = run / "report.json"
        command = [place.python, str(HOST), *host_args, "--", "/usr/bin/env", "-i",
                   "PATH=/usr/bin:/bin", f"HOME={home}", f"TMPDIR={tmp}", "LANG=C.UTF-8",
                   "PYTHONDONTWRITEBYTECODE=1",
                   f"HW3_DRIVE_ROOT={source}", place.python, str(DRIVE), "--expect-route", route,
                   str(report), *paths]
        cgroup = MemoryCgroup(memory_mb) if memory_mb else None
        cgroup = cgroup if cgroup is not None and cgroup.path else None
        try:
            proc = subprocess.run(command, cwd=run, capture_output=True, text=True,
                                  timeout=600, preexec_fn=cgroup.join if cgroup else None)
            events = cgroup.events() if cgroup else None
        finally:
            if cgroup:
                cgroup.remove()
        assert proc.returncode == 0 and report.exists(), proc.stderr[-3000:]
        heard = list(listeners.received)
    refused = json.loads(report.read_text()).get("refused")
    assert not refused, f"{refused}: {json.loads(report.read_text())['message']}"
    ours = str(run)

    def left(uid, cmd):
        return sandbox_uid(uid) or ours in cmd or str(source) in cmd

    return Run(json.loads(report.read_text()), heard,
               changes(before, snapshot([source, *site_packages()], hashed=[source])),
               wait_until_gone(left, 5.0), files_of_sandbox_uids(shared_folders()),
               [os.path.join(f, n) for f in watched for n in PLANTED_NAMES
                if os.path.lexists(os.path.join(f, n))], events)


@pytest.fixture(scope="module")
def gradescope(place):
    source = fake_autograder(place.base / "autograder")
    return drive(place, "gradescope", source, ["--no-landlock"], hostile_names(), "second user",
                 memory_mb=768)


@pytest.fixture(scope="module")
def node(place):
    if landlock.abi() < 6:
        pytest.skip(f"this kernel's Landlock ABI is {landlock.abi()} (6 scopes signals)")
    source = place.base / "checkout" / "source"
    fake_autograder(place.base / "checkout")
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(source)], check=True)
    subprocess.run(["chmod", "-R", "u+rwX,go+rX", str(source)], check=True)  # as a user's
    return drive(place, "node", source, ["--user", str(NOBODY)], NODE_KINDS, "limits only",
                 NOBODY)


def failures(run: Run, kind: str) -> dict[str, str]:
    ops = run.report["submissions"][f"{kind}.py"]
    return {f"{op}.{call}": got for op, calls in ops.items() for call, got in calls.items()
            if got != "ok"}


def probes(run: Run) -> dict:
    text = run.report["submissions"]["privilege_probes_dot_forward.py"]["dot"]["forward"]
    return json.loads(text.split("privilege-probes ", 1)[1].rsplit(" end", 1)[0])


def assert_contained(run: Run, kinds: list[str]) -> None:
    for kind in kinds:
        affected = EXPECTED[kind]["affected"]
        lost = {k: v[:200] for k, v in failures(run, kind).items()
                if k.split(".")[0] not in affected or not EXPECTED[kind]["must_fail"]}
        assert lost == {}, f"{kind} disturbed ops that compute correctly: {lost}"
        for op in EXPECTED[kind]["must_fail"]:
            assert any(k.startswith(op + ".") for k in failures(run, kind)), kind
    assert failures(run, "reference") == {}, "the correct submission after them failed"
    got = probes(run)
    assert {k: got[k] for k in PROBES_REFUSED if not str(got[k]).startswith("refused")} == {}, got
    assert (got["cap_eff"], got["environ_of_others"], got["seccomp"], got["no_new_privs"]) == (
        0, 0, "2", "1"), got
    assert run.heard == [], f"the listeners heard {run.heard}"
    assert run.changed == {}, dict(list(run.changed.items())[:10])
    assert run.left_processes == [], run.left_processes
    assert run.left_files == [] and run.planted == [], (run.left_files, run.planted)


# --------------------------------------------------------------------------- Gradescope
def test_gradescope_takes_the_second_user_route_and_every_property_holds(gradescope):
    report = gradescope.report
    assert report["route"] == "second user", report["summary"]
    assert all(report["holds"].values()) and report["message"] == "", report["summary"]


def test_gradescope_contains_every_hostile_kind_via_the_second_user(gradescope):
    assert set(gradescope.report["submissions"]) == {f"{k}.py" for k in hostile_names()} | {
        "reference.py"}
    assert_contained(gradescope, hostile_names())


def test_gradescope_in_768_mb_stops_the_hogs_at_the_sandboxs_limit_not_the_oom_killer(
        gradescope):
    if gradescope.memory_events is None:
        pytest.skip("no writable memory cgroup here")
    assert gradescope.memory_events.get("oom_kill", 0) == 0, gradescope.memory_events
    hog = failures(gradescope, "memory_hog_dot_backward")["dot.backward"]
    held = int(hog.split("memory hog: held ")[1].split(" MB")[0])
    assert "MemoryError" in hog and held <= 512, hog


def test_gradescope_secrets_are_unreadable_to_others_after_lock_secrets(place, gradescope):
    source = place.base / "autograder" / "source"
    for rel in ("instructor", "grader", "starter"):
        assert os.stat(source / rel).st_mode & 0o077 == 0, rel
    for rel in ("edugrad", "hw3", "sandboxed", "data/toy/corpus.txt"):
        assert os.stat(source / rel).st_mode & 0o004, rel


def test_without_lock_secrets_the_second_user_route_says_what_to_chmod(place):
    """The same host, with the secrets left world-readable: status names them and
    the exact chmod."""
    source = place.base / "unlocked" / "source"
    fake_autograder(place.base / "unlocked")
    subprocess.run(["chmod", "-R", "a+rX", str(source)], check=True)
    run = drive(place, "unlocked", source, ["--no-landlock"], [], "second user")
    holds, message = run.report["holds"], run.report["message"]
    assert not holds["secrets hidden"] and all(
        v for k, v in holds.items() if k != "secrets hidden"), run.report["summary"]
    assert "chmod -R go-rwx grader instructor starter" in message, message


# --------------------------------------------------------------------------- the node
def test_an_unprivileged_node_with_landlock_holds_every_property(node):
    report = node.report
    assert report["route"] == "limits only", report["summary"]
    assert all(report["holds"].values()) and report["message"] == "", report["summary"]


def test_an_unprivileged_node_with_landlock_contains_the_hostile_kinds(node):
    assert_contained(node, NODE_KINDS)


def test_an_unprivileged_node_without_landlock_says_exactly_what_is_not_protected(place):
    source = place.base / "bare" / "source"
    fake_autograder(place.base / "bare")
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(source)], check=True)
    subprocess.run(["chmod", "-R", "u+rwX,go+rX", str(source)], check=True)
    run = drive(place, "bare", source, ["--user", str(NOBODY), "--no-landlock"], [],
                "limits only", NOBODY)
    report = run.report
    assert report["route"] == "limits only"
    assert report["holds"] == {"secrets hidden": False, "disk read-only": False,
                               "no network": True, "cannot signal the grader": True,
                               "nothing persists": False}, report["summary"]
    message = report["message"]
    for words in ("submissions can read", "submissions can write", "outlives its grading",
                  "Landlock", "user namespaces", "as root"):
        assert words in message, (words, message)
    assert set(OPS)  # (the ops themselves are graded as everywhere)
