"""Isolation: misbehaving submissions cost their own requests and nothing else."""

from __future__ import annotations

import os
import textwrap
import time

import numpy as np
import pytest

from grader import sandbox as sandbox_module
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
        for _ in range(2):
            with pytest.raises(WorkerFailure) as failure:
                forward(box, "log", [1.0])
            assert failure.value.kind == "import"
            assert "sys.exit()" in failure.value.message, failure.value.message
        assert box.restarts_left == 59, "an import failure must not be retried"


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
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] == "MemoryError", err.value.info


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


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
    assert _processes_mentioning(marker) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="confinement applies when grading as root")
def test_as_root_the_child_cannot_lift_limits_or_read_hidden_tests(tmp_path):
    hidden = os.path.join(os.path.dirname(sandbox_module.__file__), "rubric", "hidden")
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
        with pytest.raises(CheckFailed, match="not run"):
            sub.forward("sigmoid", [1.0])
        assert time.monotonic() - start < 1.5
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
SECRETS = [os.path.join(REPO, *p.split("/")) for p in
           ("grader/solution", "grader/rubric/hidden", "grader/catalog", ".git")]


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
def test_the_child_sees_the_solution_hidden_tests_catalogs_and_git_empty(tmp_path):
    assert all(os.listdir(p) for p in SECRETS if os.path.isdir(p))
    seen = child_view(tmp_path, SECRETS)["seen"]
    assert seen == {p: 0 for p in SECRETS if os.path.isdir(p)} | {
        p: "No such file or directory" for p in SECRETS if not os.path.isdir(p)}, seen


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
        pid = victim.proc.pid
        targets = [f"/proc/{pid}/cwd", f"/proc/{os.getpid()}/root{REPO}/grader/solution"]
        seen = child_view(tmp_path / "thief", targets)["seen"]
    finally:
        victim.close()
    assert seen == {t: "Permission denied" for t in targets}, seen


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
    assert got == {"seen": {SECRETS[0]: 0, SECRETS[1]: 0},
                   "wrote": {os.path.join(outside, "results.json"): "Read-only file system"}
                   }, got


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


def test_status_says_isolation_is_incomplete_where_no_namespace_can_be_made():
    import json
    import subprocess
    import sys

    if not can_forbid_namespaces():
        pytest.skip("cannot make a place without namespaces here (unshare -U, capsh)")
    code = ("import json; from grader.confine import status; s = status(); "
            "print(json.dumps({'how': s.how, 'readable': s.readable, 'message': s.message}))")
    proc = subprocess.run(without_namespaces(f"{sys.executable} -c \"{code}\""), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["how"] == "none" and SECRETS[0] in got["readable"], got
    assert "isolation is incomplete" in got["message"], got["message"]
    assert "Gradescope bundle" in got["message"] and "without grader/solution" in got["message"]


@needs_namespaces
def test_status_reports_complete_isolation_where_namespaces_work():
    from grader.confine import status

    assert status().complete and status().message == "", status()
