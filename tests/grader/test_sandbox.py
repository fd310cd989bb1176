"""Isolation: misbehaving submissions cost their own requests and nothing else."""

from __future__ import annotations

import os
import textwrap
import time

import numpy as np
import pytest

from grader import sandbox as sandbox_module
from grader.confine import processes_with
from grader.sandbox import Sandbox, StudentError, WorkerFailure

HEADER = "import numpy as np\nfrom edugrad.operation import Operation, tensor_op\n"


def op_source(name: str, forward_body: str, backward_body: str = "return (grad_output,)"):
    return textwrap.dedent(f"""
        @tensor_op
        class {name}(Operation):
            @staticmethod
            def forward(ctx, a):
                {forward_body}

            @staticmethod
            def backward(ctx, grad_output):
                {backward_body}
        """)


def write_submission(tmp_path, sigmoid_forward: str, prelude: str = "") -> str:
    path = tmp_path / "ops.py"
    path.write_text(HEADER + prelude + "\n" + op_source("sigmoid", sigmoid_forward)
                    + op_source("log", "return np.log(a)"))
    return str(path)


def forward(box: Sandbox, op: str, x):
    return box.request({"cmd": "forward", "op": op, "inputs": [np.asarray(x, float)]},
                       f"{op}.forward")["out"]


def test_infinite_loop_times_out_and_next_request_gets_a_fresh_worker(tmp_path):
    path = write_submission(tmp_path, "while True:\n                    pass")
    with Sandbox(path, timeout=1.0) as box:
        with pytest.raises(WorkerFailure) as failure:
            forward(box, "sigmoid", [1.0])
        assert failure.value.kind == "timeout", failure.value.message
        assert "ran longer than 1 s on sigmoid.forward" in failure.value.message
        # the hint also names the cause that is no bug of control flow: slow work
        assert "far more work than the formula needs" in failure.value.message
        np.testing.assert_allclose(forward(box, "log", [1.0, np.e]), [0.0, 1.0])


def test_os_exit_in_forward_is_reported_as_an_exit(tmp_path):
    path = write_submission(tmp_path, "import os\n                os._exit(3)")
    with Sandbox(path) as box:
        with pytest.raises(WorkerFailure) as failure:
            forward(box, "sigmoid", [1.0])
        assert failure.value.kind == "crash"
        assert "exited (status 3)" in failure.value.message, failure.value.message
        np.testing.assert_allclose(forward(box, "log", [1.0]), [0.0])


def test_printing_100_mb_is_drained_and_the_answer_still_arrives(tmp_path):
    path = write_submission(tmp_path, "print('x' * (100 << 20))\n                return a * 2")
    with Sandbox(path) as box:
        np.testing.assert_allclose(forward(box, "sigmoid", [1.0]), [2.0])
        assert len(box.output) <= 8192, len(box.output)


def test_sys_exit_at_import_is_a_sticky_import_failure(tmp_path):
    path = write_submission(tmp_path, "return a", prelude="import sys\nsys.exit(0)\n")
    with Sandbox(path) as box:
        for op in ("log", "log", "sigmoid"):  # nor for another op's worker
            with pytest.raises(WorkerFailure) as failure:
                forward(box, op, [1.0])
            assert failure.value.kind == "import"
            assert "sys.exit()" in failure.value.message, failure.value.message
        assert box.restarts_left == {"log": 59}, "an import failure must not be retried"


def test_exceptions_come_back_with_the_line_of_ops_py(tmp_path):
    path = write_submission(tmp_path, "raise ValueError('boom')")
    with Sandbox(path) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] == "ValueError"
        assert "ops.py line" in err.value.info["line"], err.value.info


def test_writing_a_big_file_is_refused(tmp_path):
    # in the child's own folder (its cwd): the only place it may write at all
    body = ("import errno, os\n"
            "                try:\n"
            "                    with open('big.bin', 'wb') as f:\n"
            "                        f.write(bytes(32 << 20))\n"
            "                except OSError as err:\n"
            "                    raise RuntimeError(f'{errno.errorcode[err.errno]} '\n"
            "                                       f'{os.path.getsize(\"big.bin\")}')\n"
            "                return a")
    path = write_submission(tmp_path, body)
    with Sandbox(path) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
    code, size = err.value.info["message"].split()
    assert code == "EFBIG" and int(size) <= 16 << 20, err.value.info


def test_allocating_50_gb_raises_memory_error_in_the_child(tmp_path):
    path = write_submission(tmp_path, "return np.ones((50 << 30) // 8) [:1] * a")
    with Sandbox(path, memory_mb=2048) as box:
        with pytest.raises(WorkerFailure) as failure:
            forward(box, "sigmoid", [1.0])
        limit = box.workers["sigmoid"].memory_mb
        np.testing.assert_allclose(forward(box, "log", [1.0]), [0.0])
    assert failure.value.kind == "memory", failure.value.message
    assert failure.value.message.startswith("sigmoid.forward ran out of memory at ops.py line")
    assert f"(the limit is {limit} MB for each op's process)" in failure.value.message
    assert 256 <= limit <= 2048 // 4, limit  # the op workers share the memory


def test_the_workers_limits_add_up_to_the_sandboxs_memory(tmp_path):
    from grader.sandbox import OPS, TRAIN

    box = Sandbox(write_submission(tmp_path, "return a"), memory_mb=3072)
    assert sum(box._memory(op) for op in OPS) + box._memory(TRAIN) <= 3072
    assert box._memory(TRAIN) >= 512  # toy training peaks at ~160 MB


def test_forking_is_capped_and_every_child_is_killed_at_the_end(tmp_path):
    body = ("import os, time\n"
            "                for _ in range(200):\n"
            "                    if os.fork() == 0:\n"
            "                        time.sleep(60)\n"
            "                        os._exit(0)\n"
            "                return a")
    path = write_submission(tmp_path, body)
    box = Sandbox(path, max_pids=32)
    try:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] in ("BlockingIOError", "OSError"), err.value.info
        marker = box._tmp
    finally:
        box.close()
    time.sleep(0.5)
    assert processes_with(marker) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="confinement applies when grading as root")
def test_as_root_the_child_cannot_lift_limits_or_read_hidden_tests(tmp_path):
    hidden = os.path.join(REPO, "instructor")
    body = ("import resource, os\n"
            "                try:\n"
            "                    resource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n"
            "                    lifted = 'lifted'\n"
            "                except (ValueError, OSError):\n"
            "                    lifted = 'refused'\n"
            f"                raise RuntimeError(lifted + ' ' + str(os.listdir({hidden!r})))")
    path = write_submission(tmp_path, body)
    with Sandbox(path) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
    assert err.value.info["message"] == "refused []", err.value.info
    assert os.listdir(hidden), "the grader's own view of the hidden tests must be untouched"


def test_a_method_that_hung_twice_is_not_called_again(tmp_path):
    from grader.subject import CheckFailed, Subject

    path = write_submission(tmp_path, "while True:\n                    pass")
    # A call would hang for the whole timeout; not calling costs at most a fresh worker's
    # start (about 0.5 s here), so the timeout is well above that.
    with Sandbox(path, timeout=1.5) as box:
        sub = Subject(box)
        for _ in range(2):
            sub.new_test()
            with pytest.raises(CheckFailed, match="ran longer than 1.5 s"):
                sub.forward("sigmoid", [1.0])
        sub.new_test()
        start = time.monotonic()
        with pytest.raises(CheckFailed, match="Not run"):
            sub.forward("sigmoid", [1.0])
        assert time.monotonic() - start < 1.5
        np.testing.assert_allclose(sub.forward("log", [1.0]), [0.0])


def test_an_op_whose_calls_used_up_its_time_is_not_called_again(tmp_path, monkeypatch):
    """Each call sleeps under the timeout, so none is stopped; once an op's calls have
    taken more than OP_TIME_BUDGET in all, it is no longer called, and the other ops are."""
    from grader import subject
    from grader.subject import CheckFailed, Subject

    monkeypatch.setattr(subject, "OP_TIME_BUDGET", 1.0)
    path = write_submission(tmp_path, "import time; time.sleep(0.4)\n"
                                      "                return a")
    with Sandbox(path, timeout=5) as box:
        sub = Subject(box)
        for _ in range(3):  # 1.2 s in all
            sub.new_test()
            np.testing.assert_allclose(sub.forward("sigmoid", [1.0]), [1.0])
        sub.new_test()
        start = time.monotonic()
        with pytest.raises(CheckFailed, match=r"your sigmoid have taken \d+ s .* more than the 1 s"):
            sub.forward("sigmoid", [1.0])
        assert time.monotonic() - start < 0.3
        np.testing.assert_allclose(sub.forward("log", [1.0]), [0.0])


# --------------------------------------------------------------------------- confinement
# What the child can see and write, reported from inside it: its sigmoid.forward raises
# an error whose message is a JSON report (entries per listed folder, or the error).
VIEW = '''
import json as _json, os as _os


def _view(listed, written):
    seen, wrote = {}, {}
    for p in listed:
        try:
            seen[p] = len(_os.listdir(p))
        except OSError as err:
            seen[p] = err.strerror
    for p in written:
        try:
            with open(p, "w") as f:
                f.write("planted by a test submission")
            wrote[p] = "written"
        except OSError as err:
            wrote[p] = err.strerror
    return _json.dumps({"seen": seen, "wrote": wrote})
'''
RUN_VIEW = '''
import sys
sys.path.insert(0, {root!r})
{setup}
import numpy as np
from grader.sandbox import Sandbox, StudentError
with Sandbox({path!r}) as box:
    try:
        box.request({{"cmd": "forward", "op": "sigmoid", "inputs": [np.ones(1)]}}, "view")
    except StudentError as err:
        print(err.info["message"])
'''
REPO = os.path.dirname(os.path.dirname(os.path.abspath(sandbox_module.__file__)))
# What the child must see empty: the instructor's side, the grader (its checks are not
# the submission's to borrow), the starter, the tests and catalogs, and .git (a folder
# in a clone; in a git worktree a file).  What is inside them is simply not there.
SECRETS = [os.path.join(REPO, p) for p in ("instructor", "grader", "starter", "tests", ".git")
           if os.path.isdir(os.path.join(REPO, p))]
INSIDE = [os.path.join(REPO, *p.split("/")) for p in
          ("instructor/solution", "instructor/hidden", "instructor/reference", "tests/catalog")]


def view_submission(folder, listed=(), written=()) -> str:
    path = os.path.join(str(folder), "ops.py")
    with open(path, "w") as f:
        f.write(HEADER + VIEW + op_source(
            "sigmoid", f"raise RuntimeError(_view({list(map(str, listed))!r}, "
                       f"{list(map(str, written))!r}))"))
    return path


def child_view(folder, listed=(), written=()) -> dict:
    import json

    with Sandbox(view_submission(folder, listed, written)) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
    return json.loads(err.value.info["message"])


def run_view_elsewhere(prefix: list[str], python: str, folder, listed=(), written=(),
                       setup: str = "") -> dict:
    """The child's view when the grader itself runs under ``prefix`` (capsh, setpriv),
    after running ``setup`` in the grader's process."""
    import json
    import subprocess

    path = view_submission(folder, listed, written)
    code = RUN_VIEW.format(root=REPO, path=path, setup=setup)
    proc = subprocess.run([*prefix, python, "-c", code],
                          capture_output=True, text=True, timeout=120, cwd="/",
                          env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"})
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def namespaces_work() -> bool:
    import subprocess

    try:
        return subprocess.run(["unshare", "-U", "-m", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


needs_namespaces = pytest.mark.skipif(
    not namespaces_work() and os.geteuid() != 0,
    reason="this machine allows no user namespace (and the tests do not run as root)")


@needs_namespaces
def test_the_child_sees_the_instructors_side_the_grader_catalogs_and_git_empty(tmp_path):
    assert all(os.listdir(p) for p in SECRETS + INSIDE)
    seen = child_view(tmp_path, SECRETS + INSIDE)["seen"]
    assert seen == {p: 0 for p in SECRETS} | dict.fromkeys(INSIDE, "No such file or directory"
                                                           ), seen


@needs_namespaces
def test_the_child_cannot_write_the_repository_or_an_outside_folder(tmp_path):
    import shutil
    import tempfile

    outside = tempfile.mkdtemp(prefix="hw3-test-out-", dir=os.path.expanduser("~"))
    planted = os.path.join(REPO, "zz-planted-by-a-sandbox-test.txt")
    try:
        wrote = child_view(tmp_path, written=[planted, os.path.join(outside, "results.json"),
                                              "mine.txt"])["wrote"]
        assert not os.path.exists(planted) and not os.listdir(outside)
    finally:
        shutil.rmtree(outside, ignore_errors=True)
        if os.path.exists(planted):
            os.unlink(planted)
    assert wrote == {planted: "Read-only file system",
                     os.path.join(outside, "results.json"): "Read-only file system",
                     "mine.txt": "written"}, wrote


@needs_namespaces
def test_the_child_cannot_see_other_temp_folders(tmp_path):
    (tmp_path / "other-students-ops.py").write_text("# another submission\n")
    assert child_view(tmp_path, [tmp_path])["seen"] == {
        str(tmp_path): "No such file or directory"}


@needs_namespaces
def test_another_sandbox_cannot_read_this_ones_files_through_proc(tmp_path):
    (tmp_path / "victim").mkdir()
    (tmp_path / "thief").mkdir()
    victim = Sandbox(write_submission(tmp_path / "victim", "return a"))
    try:
        victim.start()
        pids = {victim.proc.pid, *(w.inner for w in victim.workers.values() if w.inner)}
        targets = [*(f"/proc/{pid}/cwd" for pid in sorted(pids)),
                   f"/proc/{os.getpid()}/root{REPO}/instructor/solution"]
        seen = child_view(tmp_path / "thief", targets)["seen"]
    finally:
        victim.close()
    # unseen in its own PID namespace; without one, the kernel refuses
    assert all(seen[t] in ("No such file or directory", "Permission denied") for t in targets
               ), seen


@needs_namespaces
def test_without_mount_setattr_every_mount_is_still_made_read_only(tmp_path):
    """Kernels before 5.12 have no mount_setattr: each mount is remounted read-only."""
    import shutil
    import tempfile

    outside = tempfile.mkdtemp(prefix="hw3-test-out-", dir=os.path.expanduser("~"))
    planted = os.path.join(REPO, "zz-planted-by-a-sandbox-test.txt")
    targets = [planted, os.path.join(outside, "results.json"), "/dev/shm/planted.txt",
               "mine.txt"]
    try:
        got = run_view_elsewhere([], sys_executable(), tmp_path, SECRETS[:1], targets,
                                 setup="import grader.confine; "
                                       "grader.confine.SYS_MOUNT_SETATTR = None")
        assert not os.path.exists(planted) and not os.listdir(outside)
    finally:
        shutil.rmtree(outside, ignore_errors=True)
        if os.path.exists(planted):
            os.unlink(planted)
    assert got == {"seen": {SECRETS[0]: 0}, "wrote": {
        **{t: "Read-only file system" for t in targets[:3]}, "mine.txt": "written"}}, got


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (to drop CAP_SYS_ADMIN with capsh)")
def test_as_root_without_cap_sys_admin_the_child_is_still_confined(tmp_path):
    import shutil

    if not shutil.which("capsh"):
        pytest.skip("capsh is not installed")
    planted = os.path.join(REPO, "zz-planted-by-a-sandbox-test.txt")
    try:
        got = run_view_elsewhere([shutil.which("capsh"), "--drop=cap_sys_admin", "--", "-c",
                                  'exec "$0" "$@"'], sys_executable(), tmp_path,
                                 SECRETS[:2], [planted])
    finally:
        if os.path.exists(planted):
            os.unlink(planted)
    assert got == {"seen": {SECRETS[0]: 0, SECRETS[1]: 0},
                   "wrote": {planted: "Read-only file system"}}, got


def sys_executable() -> str:
    import sys

    return sys.executable


def python_for(uid: int, tmp) -> str | None:
    """A Python that user ``uid`` can run with this environment's packages: this one,
    or a venv made from the system's Python of the same version (a .pth file adds
    this environment's site-packages)."""
    import subprocess
    import sys
    import sysconfig

    check = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    # it must also be able to start itself again (the sandbox starts its worker so)
    probe = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
             "'import numpy, pytest, hypothesis, edugrad'], check=True)")
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}

    def works(python):
        return subprocess.run([*check, python, "-c", probe], capture_output=True, env=env,
                              cwd=REPO, timeout=60).returncode == 0

    if works(sys.executable):
        return sys.executable
    system = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if not os.path.exists(system):
        return None
    venv = os.path.join(str(tmp), "venv")
    if subprocess.run([system, "-m", "venv", "--without-pip", venv],
                      capture_output=True, timeout=120).returncode != 0:
        return None
    site = subprocess.run([venv + "/bin/python", "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site, "hw3-host-packages.pth"), "w") as f:
        f.write(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    subprocess.run(["chmod", "-R", "a+rX", str(tmp)], check=True)
    return venv + "/bin/python" if works(venv + "/bin/python") else None


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (to run the grader as nobody)")
def test_as_an_ordinary_user_the_child_is_still_confined():
    import shutil
    import tempfile

    nobody = 65534
    if not shutil.which("setpriv") or not namespaces_work():
        pytest.skip("setpriv missing, or no user namespaces on this machine")
    work = tempfile.mkdtemp(prefix="hw3-test-nobody-")  # pytest's tmp is root-only
    outside = tempfile.mkdtemp(prefix="hw3-test-nobody-out-", dir=os.path.dirname(REPO))
    try:
        os.chmod(work, 0o755)
        os.chown(outside, nobody, nobody)
        python = python_for(nobody, work)
        if python is None:
            pytest.skip("no Python that the user nobody can run with these packages")
        # the secrets are readable by nobody's permissions: only the sandbox hides them
        assert all(os.stat(p).st_mode & 0o005 == 0o005 for p in SECRETS[:2])
        got = run_view_elsewhere(
            ["setpriv", f"--reuid={nobody}", f"--regid={nobody}", "--clear-groups"],
            python, work, SECRETS[:2], [os.path.join(outside, "results.json")])
        assert not os.listdir(outside)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
    # Beside the repository is read-only to the child; when the repository itself sits
    # in a temp folder (a clone in /tmp), that folder is an empty tmpfs in the child's
    # view instead, so the outside folder is not even there.  Either way: not written.
    refused = ("Read-only file system", "No such file or directory")
    assert got["seen"] == {SECRETS[0]: 0, SECRETS[1]: 0}, got
    assert got["wrote"].keys() == {os.path.join(outside, "results.json")}, got
    assert all(error in refused for error in got["wrote"].values()), got


NO_NAMESPACES = ("echo 0 > /proc/sys/user/max_user_namespaces && "
                 "exec capsh --drop=cap_sys_admin -- -c \"$0\"")


def without_namespaces(command: str) -> list[str]:
    """Run ``command`` where neither a user nor a mount namespace can be made: root of
    a user namespace that allows no nested one, without CAP_SYS_ADMIN."""
    import shutil

    return ["unshare", "-U", "-r", "sh", "-c",
            NO_NAMESPACES.replace("capsh", shutil.which("capsh") or "capsh"), command]


def can_forbid_namespaces() -> bool:
    import shutil
    import subprocess

    if not (shutil.which("capsh") and shutil.which("unshare")):
        return False
    proc = subprocess.run(without_namespaces("unshare -m true || echo refused"),
                          capture_output=True, text=True, timeout=30)
    return proc.returncode == 0 and "refused" in proc.stdout


def test_status_measures_what_holds_where_no_namespace_can_be_made():
    """No namespaces (and no second user: its uid does not exist in this user
    namespace): the route is "limits only"; with Landlock (ABI 6: scoped signals) every
    property still holds, without it the message says what does not and how to fix it.
    (tests/isolation/test_routes.py covers each route on simulated hosts.)"""
    import json
    import subprocess
    import sys

    from grader import landlock

    if not can_forbid_namespaces():
        pytest.skip("cannot make a place without namespaces here (unshare -U, capsh)")
    code = ("import json; from grader.confine import status; s = status(); "
            "print(json.dumps({'how': s.how, 'route': s.route, 'holds': s.holds(), "
            "'message': s.message}))")
    proc = subprocess.run(without_namespaces(f"{sys.executable} -c \"{code}\""), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (got["how"], got["route"]) == ("none", "limits only"), got
    if landlock.abi() >= 6:
        assert all(got["holds"].values()) and got["message"] == "", got
    else:
        assert not got["holds"]["secrets hidden"], got
        assert "isolation is incomplete" in got["message"], got["message"]
        assert "Gradescope bundle" in got["message"] and "Landlock" in got["message"]


@needs_namespaces
def test_status_reports_complete_isolation_where_namespaces_work():
    from grader.confine import status

    assert status().complete and status().message == "", status()


# --------------------------------------------------------------------------- processes
def four_ops(sigmoid_forward: str = "return 1 / (1 + np.exp(-a))", prelude: str = "",
             multiply_forward: str = "return a * b", dot_forward: str = "return np.sum(a * b, -1)",
             log_backward: str = "(a,) = ctx\n                return (grad_output / a,)") -> str:
    """An ops.py with all four ops; the bodies given replace the correct ones."""
    two = textwrap.dedent(f"""
        @tensor_op
        class multiply(Operation):
            @staticmethod
            def forward(ctx, a, b):
                {multiply_forward}

            @staticmethod
            def backward(ctx, grad_output):
                return (grad_output, grad_output)


        @tensor_op
        class dot(Operation):
            @staticmethod
            def forward(ctx, a, b):
                {dot_forward}

            @staticmethod
            def backward(ctx, grad_output):
                return (grad_output, grad_output)
        """)
    return (HEADER + prelude + "\n" + op_source("sigmoid", sigmoid_forward)
            + op_source("log", "ctx.append(a)\n                return np.log(a)", log_backward)
            + two)


def write_ops(tmp_path, **bodies) -> str:
    path = tmp_path / "ops.py"
    path.write_text(four_ops(**bodies))
    return str(path)


def call(box: Sandbox, op: str, *arrays):
    return box.request({"cmd": "forward", "op": op,
                        "inputs": [np.asarray(x, float) for x in arrays]}, f"{op}.forward")["out"]


@needs_namespaces
def test_the_child_can_neither_see_nor_signal_the_grader(tmp_path):
    """Own PID namespace: the grader's pid means nothing there, /proc lists only the
    namespace (the adversarial tester's submissions SIGKILLed and SIGSTOPped `grade`
    and `grade-all` by their pids)."""
    me = os.getpid()
    body = ("import json, os\n"
            "                try:\n"
            f"                    os.kill({me}, 0)\n"
            "                    reach = 'signalled'\n"
            "                except OSError as err:\n"
            "                    reach = err.strerror\n"
            "                pids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
            f"                raise RuntimeError(json.dumps([reach, os.path.exists('/proc/{me}'),"
            " os.getppid() == " f"{me}, len(pids) < 10]))")
    with Sandbox(write_ops(tmp_path, sigmoid_forward=body)) as box:
        with pytest.raises(StudentError) as err:
            call(box, "sigmoid", [1.0])
    import json

    assert json.loads(err.value.info["message"]) == ["No such process", False, False, True]


def _daemon_body(seconds: int) -> str:
    """A double-forked, setsid daemon that tries to leave the pids cgroup and keeps the
    inherited stdout open (so a blocking drain would wait for it)."""
    return ("import os, time\n"
            "                if os.fork() == 0:\n"
            "                    os.setsid()\n"
            "                    if os.fork() == 0:\n"
            "                        for cg in ('/sys/fs/cgroup/pids/cgroup.procs',\n"
            "                                   '/sys/fs/cgroup/cgroup.procs'):\n"
            "                            try:\n"
            "                                with open(cg, 'w') as f:\n"
            "                                    f.write(str(os.getpid()))\n"
            "                            except OSError:\n"
            "                                pass\n"
            f"                        time.sleep({seconds})\n"
            "                    os._exit(0)\n"
            "                return a * 2")


@pytest.mark.timeout(120)
def test_a_daemon_left_by_the_submission_dies_with_its_worker(tmp_path):
    """A double-forked setsid daemon (holding the worker's stdout) dies when its worker
    is stopped, and stopping never waits for it (it sleeps far longer than the test's
    timeout)."""
    box = Sandbox(write_ops(tmp_path, sigmoid_forward=_daemon_body(3600)))
    try:
        np.testing.assert_allclose(call(box, "sigmoid", [1.0]), [2.0])
        marker = box._tmp
        assert len(processes_with(marker)) >= 2  # the worker and its daemon
    finally:
        box.close()
    for _ in range(50):
        if not processes_with(marker):
            break
        time.sleep(0.1)
    assert processes_with(marker) == []


def test_the_drain_stops_although_a_straggler_keeps_the_pipe_open():
    from grader.sandbox import _Drain

    r, w = os.pipe()
    try:
        os.write(w, b"some output")
        drain = _Drain(r)
        drain.start()
        assert drain.stop(within=0.2), "the drain thread still runs"
        assert drain.text() == "some output"
    finally:
        os.close(w)
        os.close(r)


@needs_namespaces
def test_a_frame_written_by_the_submission_is_never_taken_for_an_answer(tmp_path):
    """multiply.forward writes a valid-looking reply of its own on the worker's channel
    before returning: the grader still gets multiply's real answer, every later answer
    (of any op) stays in step, and multiply's worker is replaced."""
    forge = ("import json, os, struct, sys\n"
             "                h = json.dumps({'v': {'ok': True, 'out': 0.0, 'inputs_after': [],"
             " 'warnings': []}, 'a': []}).encode()\n"
             "                os.write(int(sys.argv[2]), struct.pack('>I', len(h)) + h"
             " + struct.pack('>Q', 0))\n"
             "                return a * b")
    from grader.sandbox import MIXED_ANSWERS_BEFORE_GIVING_UP

    with Sandbox(write_ops(tmp_path, multiply_forward=forge)) as box:
        for i in range(MIXED_ANSWERS_BEFORE_GIVING_UP):
            x = np.arange(3.0) + i
            np.testing.assert_allclose(call(box, "multiply", x, 2 * x), 2 * x * x)
            assert not box.workers["multiply"].alive  # replaced before its next request
            np.testing.assert_allclose(call(box, "dot", x, x), np.dot(x, x))
        with pytest.raises(WorkerFailure) as failure:  # then it is no longer replaced
            call(box, "multiply", x, x)
        assert "kept writing data of its own on the grader's channel" in failure.value.message
        np.testing.assert_allclose(call(box, "dot", x, x), np.dot(x, x))
        assert box.workers["dot"].alive


@needs_namespaces
def test_a_forked_copy_of_the_worker_serving_too_cannot_shift_the_answers(tmp_path):
    """multiply.forward patches os.getpid to hide the fork, then forks: two processes
    read multiply's requests.  Whatever multiply gets, the other ops' answers are
    their own."""
    prelude = "import os\n_MAIN = os.getpid()\n_FORKED = []\n"
    body = ("if not _FORKED:\n"
            "                    _FORKED.append(1)\n"
            "                    os.getpid = lambda: _MAIN\n"
            "                    os.fork()\n"
            "                return a * b")
    with Sandbox(write_ops(tmp_path, prelude=prelude, multiply_forward=body), timeout=2) as box:
        for i in range(6):
            x = np.arange(4.0) + i
            try:
                call(box, "multiply", x, x)
            except (WorkerFailure, StudentError):
                pass
            np.testing.assert_allclose(call(box, "dot", x, x), np.dot(x, x))
            np.testing.assert_allclose(call(box, "log", x + 1), np.log(x + 1))


def test_a_timer_started_by_one_op_cannot_interrupt_another(tmp_path):
    """dot.forward installs a 5 ms SIGALRM timer whose handler raises, and starts a
    thread that interrupts the main thread: log's calls are not disturbed."""
    prelude = ("import signal, threading, _thread, time\n"
               "def _boom(signum, frame):\n"
               "    raise RuntimeError('interrupted by the timer')\n"
               "def _later():\n"
               "    while True:\n"
               "        time.sleep(0.003)\n"
               "        _thread.interrupt_main()\n")
    body = ("signal.signal(signal.SIGALRM, _boom)\n"
            "                signal.setitimer(signal.ITIMER_REAL, 0.005, 0.005)\n"
            "                threading.Thread(target=_later, daemon=True).start()\n"
            "                return np.sum(a * b, -1)")
    with Sandbox(write_ops(tmp_path, prelude=prelude, dot_forward=body)) as box:
        x = np.arange(1.0, 5.0)
        try:
            call(box, "dot", x, x)
        except (WorkerFailure, StudentError):
            pass
        for _ in range(40):
            np.testing.assert_allclose(call(box, "log", x), np.log(x))
            np.testing.assert_allclose(call(box, "sigmoid", x), 1 / (1 + np.exp(-x)))


def test_a_result_over_the_limit_is_reported_with_the_limit(tmp_path):
    path = write_ops(tmp_path, dot_forward="return np.ones(300 << 17)")  # 300 MB
    with Sandbox(path) as box:
        with pytest.raises(WorkerFailure) as failure:
            call(box, "dot", [1.0], [1.0])
    assert failure.value.kind == "too-large", failure.value.message
    assert "more data than the grader accepts during dot.forward: 300 MB" in failure.value.message
    assert "the limit is 256 MB" in failure.value.message
    assert "file descriptor" not in failure.value.message


def test_an_undecodable_answer_is_the_submissions_problem(tmp_path):
    body = ("import os, struct, sys\n"
            "                h = b'{\"ok\": true, \"out\": {\"__scalar__\": \"not-a-number\"}}'\n"
            "                os.write(int(sys.argv[2]), struct.pack('>I', len(h)) + h"
            " + struct.pack('>Q', 0))\n"
            "                return a")
    with Sandbox(write_ops(tmp_path, sigmoid_forward=body)) as box:
        with pytest.raises(WorkerFailure) as failure:
            call(box, "sigmoid", [1.0])
        np.testing.assert_allclose(call(box, "log", [1.0]), [0.0])
    assert failure.value.kind == "protocol"
    assert "your code returned something the grader cannot read during sigmoid.forward" \
        in failure.value.message, failure.value.message


@needs_namespaces
def test_the_child_cannot_read_the_private_reference_curves_or_the_grammar(tmp_path):
    """A submission faking training would need the reference loss curves (the graded
    ones are private; the public one is in grader/, hidden too) and the corpus's
    grammar; training itself needs only the corpus.  (The gold word classes ship:
    neighbours count only after a run that followed a private curve.)"""
    reference = os.path.join(REPO, "instructor", "reference")
    files = [os.path.join(REPO, *p.split("/")) for p in
             ("grader/reference/short.json", "instructor/grammar.py", "data/toy/corpus.txt")]
    assert os.listdir(reference) and all(os.path.getsize(f) for f in files)
    body = ("import json, os\n"
            "                def size(f):\n"
            "                    try:\n"
            "                        return len(open(f, 'rb').read())\n"
            "                    except OSError:\n"
            "                        return 0\n"
            "                def count(d):\n"
            "                    try:\n"
            "                        return len(os.listdir(d))\n"
            "                    except OSError:\n"
            "                        return 0\n"
            f"                sizes = [size(f) for f in {files!r}]\n"
            f"                raise RuntimeError(json.dumps([count({reference!r})] + sizes))")
    with Sandbox(write_ops(tmp_path, sigmoid_forward=body)) as box:
        with pytest.raises(StudentError) as err:
            call(box, "sigmoid", [1.0])
    import json

    got = json.loads(err.value.info["message"])
    assert got[:3] == [0, 0, 0] and got[3] == os.path.getsize(files[2]), got


@pytest.mark.parametrize("forked", [False, True], ids=["fresh", "forked"])
def test_a_killed_grade_leaves_no_temp_folder_behind(tmp_path, monkeypatch, forked):
    """grade-all kills a `grade` that takes too long (here: an import that sleeps), a
    fresh process or one forked from grade-all's server; the folders that process made
    (the copied submission, its sandboxes') are removed."""
    import tempfile

    from grader.batch import grade_entry
    from grader.confine import route
    from grader.forkserver import ForkServer

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "ops.py").write_text(four_ops(prelude="import time\ntime.sleep(600)\n"))
    seen = []

    def watch():  # the grade process got as far as starting its sandbox
        while not stop.is_set():
            for _root, dirs, _ in os.walk(scratch):
                seen.extend(d for d in dirs if d.startswith(("hw3-grade-", "hw3-sandbox-")))
            time.sleep(0.2)

    import threading

    stop = threading.Event()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    server = ForkServer(route(), role="grade") if forked else None
    try:
        status, data = grade_entry(str(tmp_path / "slow"), timeout=12, server=server)
    finally:
        stop.set()
        watcher.join()
        if server is not None:
            server.stop()
    assert status == "error" and "longer than 12 s" in data["output"], data["output"]
    assert any(d.startswith("hw3-sandbox-") for d in seen), sorted(set(seen))
    assert os.listdir(scratch) == []


def test_stale_sandbox_folders_of_dead_graders_are_removed(tmp_path):
    from grader.sandbox import TEMP_PREFIX, owner_tag, remove_stale_folders

    dead = tmp_path / f"{TEMP_PREFIX}999999999-12345-abc"   # no such process
    reused = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-1-abc"  # this pid, another start
    batch = tmp_path / "hw3-grade-all-999999999-7-xyz"      # a killed grade-all's
    mine = tmp_path / f"{TEMP_PREFIX}{owner_tag()}-abc"     # this grader's: in use
    mine_too = tmp_path / f"hw3-grade-all-{owner_tag()}-abc"
    other = tmp_path / "hw3-sandbox-legacy"                 # no owner in the name: kept
    legacy = tmp_path / "hw3-grade-all-k2j4x"
    for folder in (dead, reused, batch, mine, mine_too, other, legacy):
        folder.mkdir()
        (folder / "ops.py").write_text("# a copied submission\n")
    removed = remove_stale_folders(str(tmp_path))
    assert sorted(removed) == sorted([str(dead), str(reused), str(batch)])
    assert all(p.exists() for p in (mine, mine_too, other, legacy))


FALLBACK = """
import json, os, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from grader.sandbox import Sandbox
box = Sandbox({path!r})
out = box.request({{"cmd": "forward", "op": "sigmoid", "inputs": [np.ones(2)]}}, "fallback")
marker = box._tmp
inner = [w.inner for w in box.workers.values()]
box.close()
left = []
for _ in range(50):
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read():
                    left.append(pid)
        except OSError:
            pass
    if not left:
        break
    time.sleep(0.1)
print(json.dumps({{"out": out["out"].tolist(), "inner": inner, "left": left}}))
"""


def test_without_namespaces_the_sandbox_still_runs_and_kills_its_process_group(tmp_path):
    """No PID namespace to be had: the worker runs as before, and its process group (10
    children sleeping a minute) is killed when it is stopped."""
    import json
    import subprocess
    import sys

    if not can_forbid_namespaces():
        pytest.skip("cannot make a place without namespaces here (unshare -U, capsh)")
    body = ("import os, time\n"
            "                for _ in range(10):\n"
            "                    if os.fork() == 0:\n"
            "                        time.sleep(60)\n"
            "                        os._exit(0)\n"
            "                return a * 2")
    path = write_ops(tmp_path, sigmoid_forward=body)
    os.chmod(tmp_path, 0o755)
    code = FALLBACK.format(root=REPO, path=path)
    script = tmp_path / "fallback.py"
    script.write_text(code)
    proc = subprocess.run(without_namespaces(f"{sys.executable} {script}"), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {"out": [2.0, 2.0], "inner": [None], "left": []}, (got, proc.stderr[-2000:])


def test_state_kept_between_calls_by_id_shows_in_calls_in_a_row(tmp_path):
    """Training calls an op again and again on fresh arrays of one shape; the worker
    makes each request's arrays where the previous one's were, so a cache keyed by
    id(a) hands out stale values there too (the rubric's "calls in a row" check)."""
    prelude = "_INV = {}\n"
    forward_body = "_INV[id(a)] = _INV.get(id(a), 1.0 / a)\n                ctx.key = id(a)\n" \
                   "                return np.log(a)"
    path = tmp_path / "ops.py"
    path.write_text(HEADER + prelude + op_source(
        "log", forward_body, "return (grad_output * _INV[ctx.key],)"))
    rng = np.random.default_rng(0)
    stale = 0
    with Sandbox(str(path)) as box:
        for _ in range(4):
            a, g = rng.uniform(0.5, 2.0, (3, 4)), rng.normal(size=(3, 4))
            reply = box.request({"cmd": "backward", "op": "log", "inputs": [a],
                                 "grad_output": g}, "log.backward")
            stale += not np.allclose(reply["grads"][0], g / a)
    assert stale >= 2, f"only {stale} of 4 calls in a row got a stale 1/a"


RANDOM_FORWARD = ("import random\n                return a * 0 + [np.random.rand(), random.random(), "
                  "np.random.default_rng().random(), float(np.random.SeedSequence().entropy % 997)]")


def test_draws_without_a_seed_are_the_same_in_every_sandbox(tmp_path):
    path = write_submission(tmp_path, RANDOM_FORWARD)
    drawn = []
    for _ in range(2):
        with Sandbox(path) as box:
            drawn.append([forward(box, "sigmoid", np.zeros(4)), forward(box, "sigmoid", np.zeros(4))])
    np.testing.assert_array_equal(drawn[0], drawn[1])
    assert not np.array_equal(drawn[0][0], drawn[0][1])  # a stream, not one number again


def test_addresses_are_the_same_in_every_sandbox(tmp_path):
    """So code keyed on id() (a cache by id(a): a bug) scores the same in every grade."""
    import subprocess
    import sys

    from grader.forkserver import ADDR_NO_RANDOMIZE

    allowed = subprocess.run([sys.executable, "-c", (
        "import ctypes; libc = ctypes.CDLL(None); p = libc.personality(0xFFFFFFFF); "
        f"print(p != -1 and libc.personality(p | {ADDR_NO_RANDOMIZE}) != -1)")],
        capture_output=True, text=True).stdout.strip()
    if allowed != "True":
        pytest.skip("this kernel (or container) refuses to turn address randomisation off")
    path = write_submission(tmp_path, "return a * 0 + float(id(np.empty(3)) % 1_000_003)")
    seen = []
    for _ in range(2):
        with Sandbox(path) as box:
            seen.append(forward(box, "sigmoid", np.zeros(1)))
    np.testing.assert_array_equal(seen[0], seen[1])


def test_a_backward_that_hangs_on_the_probes_arrays_is_probed_again_on_plain_ones(tmp_path):
    from grader.subject import CheckFailed, Subject

    dodging = ("if type(ctx[0]) is not np.ndarray:\n"
               "                    while True:\n"
               "                        pass\n"
               "                h = float('1e-6')\n"
               "                return (grad_output * (f(ctx[0] + h) - f(ctx[0] - h)) / (2 * h),)")
    path = tmp_path / "ops.py"
    path.write_text(HEADER + "\ndef f(x):\n    return np.log(x)\n"
                    + op_source("sigmoid", "return a") + op_source(
                        "log", "ctx.append(a)\n                return np.log(a)", dodging))
    with Sandbox(str(path), timeout=1.5) as box:
        sub = Subject(box)
        found = sub.probe("log", [np.array([1.5, 2.0, 2.5])], np.ones(3))
        assert any("small step" in e for e in found), found
        with pytest.raises(CheckFailed, match="ran longer than 1.5 s"):  # the test still fails
            sub.forward("log", [1.0])
