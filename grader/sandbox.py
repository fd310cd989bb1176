"""Run a submission in a child process with limits; the parent never imports it.

``Sandbox(ops_path)`` starts ``grader/worker.py`` lazily on the first request:

* clean environment (no PYTHONPATH, one BLAS thread, HOME in a private temp dir),
  cwd = that temp dir, the submission copied in as ``ops.py``;
* limits set in the child before exec: CPU seconds, address space (memory), file
  size, core dumps off, number of processes (for a non-root user; root ignores
  RLIMIT_NPROC, so then a pids cgroup is used when the machine allows one);
* ``grader.confine``: in a private mount namespace (as root, or in an unprivileged
  user namespace) where the hidden tests, the solution, the catalogs and the class's
  other submissions and results are empty and the whole disk is read-only except the
  child's temp dir; no capabilities, no new privileges;
* its own session/process group, killed as a whole (plus anything in its cgroup);
* stdout/stderr go to pipes drained by threads that keep only the first and last
  few KB, so printing 100 MB costs nothing but the time to pipe it;
* the protocol runs on two private pipes (``grader.protocol``), and every request
  has a wall-clock deadline enforced here.

A timeout, crash, exit or garbled answer raises ``WorkerFailure`` with a message
for the student, kills the worker, and the next request starts a fresh one.  An
import failure is sticky: it is reported for every request without retrying.
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from grader import protocol
from grader.confine import confiner

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "worker.py")
_counter = itertools.count()
FILE_LIMIT = 16 << 20  # bytes any one file written by the submission may reach
# Address space of the submission's process.  condor/grade.sub's request_memory must
# cover it plus GRADER_MEMORY_MB (the grading process and its job wrapper: ~100 MB
# measured, peak resident, grading the reference); tests/dist check it.
MEMORY_MB = 3072
GRADER_MEMORY_MB = 512


class WorkerFailure(Exception):
    """The submission's process misbehaved (timeout, crash, exit, import failure)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class StudentError(Exception):
    """The submission's code raised an exception; ``info`` is the worker's description."""

    def __init__(self, info: dict):
        self.info = info
        super().__init__(f"{info.get('type')}: {info.get('message')}")


class _Drain(threading.Thread):
    """Read a pipe to EOF, keeping the first and last ``keep`` bytes."""

    def __init__(self, stream, keep: int = 4096):
        super().__init__(daemon=True)
        self.stream, self.keep = stream, keep
        self.head = b""
        self.tail = b""
        self.total = 0

    def run(self) -> None:
        try:
            while True:
                chunk = self.stream.read1(65536)
                if not chunk:
                    break
                self.total += len(chunk)
                if len(self.head) < self.keep:
                    self.head += chunk[: self.keep - len(self.head)]
                self.tail = (self.tail + chunk)[-self.keep:]
        except (OSError, ValueError):
            pass

    def text(self) -> str:
        if self.total <= len(self.head):
            return self.head.decode(errors="replace")
        return self.tail.decode(errors="replace")


class _PidsCgroup:
    """A cgroup capping the number of processes, when the machine lets us make one."""

    V1_ROOT = "/sys/fs/cgroup/pids"
    V2_ROOTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")

    def __init__(self, max_pids: int):
        self.path = None
        if os.geteuid() != 0:
            return  # RLIMIT_NPROC does the job for ordinary users
        for root in (self.V1_ROOT, *self.V2_ROOTS):
            if not self._usable(root):
                continue
            path = os.path.join(root, f"hw3-grader-{os.getpid()}-{next(_counter)}")
            try:
                os.mkdir(path)
                with open(os.path.join(path, "pids.max"), "w") as f:
                    f.write(str(max_pids))
                self.path = path
                return
            except OSError:
                try:
                    os.rmdir(path)
                except OSError:
                    pass

    def _usable(self, root: str) -> bool:
        """A real pids hierarchy (v1), or a cgroup2 root delegating the pids controller."""
        try:
            if root == self.V1_ROOT:
                return os.path.isfile(os.path.join(root, "cgroup.procs"))
            with open(os.path.join(root, "cgroup.subtree_control")) as f:
                return "pids" in f.read().split()
        except OSError:
            return False

    def join_self(self) -> None:  # called in the child, before exec
        if self.path:
            try:
                with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
                    f.write(str(os.getpid()))
            except OSError:
                pass

    def kill_all(self) -> None:
        if not self.path:
            return
        for _ in range(20):
            try:
                with open(os.path.join(self.path, "cgroup.procs")) as f:
                    pids = [int(p) for p in f.read().split()]
            except OSError:
                return
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def _tasks_of_this_user() -> int:
    uid, n = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{name}/task"))
            except OSError:
                pass
    return n


class Sandbox:
    """A restartable worker process running one submission's ops.py."""

    def __init__(self, ops_path: str, *, timeout: float = 5.0, import_timeout: float = 20.0,
                 memory_mb: int = MEMORY_MB, cpu_seconds: int = 900, max_pids: int = 64,
                 max_restarts: int = 60):
        self.ops_path = os.path.abspath(ops_path)
        self.timeout = timeout
        self.import_timeout = import_timeout
        self.memory_mb = memory_mb
        self.cpu_seconds = cpu_seconds
        self.max_pids = max_pids
        self.restarts_left = max_restarts
        self.proc = None
        self.import_failure: WorkerFailure | None = None
        self.ops_info: dict = {}
        self._tmp = None
        self._cgroup = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _limits(self):
        mem = self.memory_mb << 20
        cpu, cgroup = self.cpu_seconds, self._cgroup
        confine = confiner(writable=self._tmp)
        nproc = None if os.geteuid() == 0 else _tasks_of_this_user() + self.max_pids

        def apply():  # runs in the child between fork and exec
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            # Files stay small (pipes are not files); Python ignores SIGXFSZ, so a
            # bigger write raises EFBIG.  (Confined, the child can write only its temp
            # dir; where it cannot be confined, fake results written anywhere are still
            # overwritten: results.json is written after the worker is dead, and
            # grade-all rewrites every student's from memory at the end.)
            resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            if nproc is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
            if cgroup is not None:
                cgroup.join_self()
            if confine is not None:
                confine()  # last: it takes away the powers the steps above needed
                # (hidden secrets, a read-only disk but for the child's temp folder)

        return apply

    def start(self) -> None:
        if self.import_failure is not None:
            raise self.import_failure
        if self.restarts_left <= 0:
            raise WorkerFailure("gave-up", "your code crashed or hung too many times; "
                                "the remaining checks were not run.")
        self.restarts_left -= 1
        self._tmp = tempfile.mkdtemp(prefix="hw3-sandbox-")
        target = os.path.join(self._tmp, "ops.py")
        shutil.copyfile(self.ops_path, target)
        self._cgroup = _PidsCgroup(self.max_pids)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": self._tmp, "TMPDIR": self._tmp,
               "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
               "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg"}
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", WORKER, str(req_r), str(resp_w), target],
                cwd=self._tmp, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, pass_fds=(req_r, resp_w), start_new_session=True,
                preexec_fn=self._limits(), close_fds=True)
        finally:
            os.close(req_r)
            os.close(resp_w)
        self._req, self._resp = req_w, resp_r
        self._drain = _Drain(self.proc.stdout)
        self._drain.start()
        try:
            hello = self._receive(time.monotonic() + self.import_timeout, "importing ops.py",
                                  self.import_timeout)
        except WorkerFailure as failure:
            self.import_failure = WorkerFailure(
                "import", "ops.py could not be loaded: " + failure.message)
            raise self.import_failure from None
        if not isinstance(hello, dict) or not hello.get("ok"):
            err = hello.get("error", {}) if isinstance(hello, dict) else {}
            self.kill()
            self.import_failure = WorkerFailure("import", import_message(err))
            raise self.import_failure
        self.ops_info = hello.get("ops", {}) if isinstance(hello.get("ops"), dict) else {}

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        if self._cgroup is not None:
            self._cgroup.kill_all()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self._req, self._resp):
            try:
                os.close(fd)
            except OSError:
                pass
        self._drain.join(timeout=1)
        try:
            proc.stdout.close()
        except OSError:
            pass
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                protocol.write_frame(self._req, {"cmd": "exit"})
            except OSError:
                pass
        self.kill()

    @property
    def output(self) -> str:
        """What the submission printed recently (capped)."""
        return self._drain.text() if self.proc is not None else ""

    # ------------------------------------------------------------------ requests
    def request(self, message: dict, where: str, timeout: float | None = None) -> dict:
        """Send one request and return the reply; raises WorkerFailure or StudentError."""
        if self.proc is None:
            self.start()
        timeout = self.timeout if timeout is None else timeout
        done = False
        try:
            try:
                protocol.write_frame(self._req, message)
            except OSError:
                pass  # the child is gone; _receive says how
            reply = self._receive(time.monotonic() + timeout, where, timeout)
            done = True
        finally:
            if not done:
                self.kill()
        if not isinstance(reply, dict):
            self.kill()
            raise WorkerFailure("protocol", f"your code's process sent a garbled answer during "
                                f"{where}.")
        if not reply.get("ok"):
            raise StudentError(reply.get("error") if isinstance(reply.get("error"), dict)
                               else {"type": "Error", "message": "unknown", "where": where})
        return reply

    def _receive(self, deadline: float, where: str, timeout: float):
        try:
            return protocol.read_frame(self._resp, deadline)
        except protocol.Timeout:
            self.kill()
            raise WorkerFailure("timeout", f"your code ran longer than {timeout:g} s on {where} "
                                "(an infinite loop, or a sleep?); it was stopped.") from None
        except protocol.Closed:
            message = self._death_message(where)
            self.kill()
            raise WorkerFailure("crash", message) from None
        except protocol.ProtocolError as err:
            self.kill()
            raise WorkerFailure("protocol", f"your code's process sent a garbled answer during "
                                f"{where} ({err}); did your code write to a file descriptor "
                                "it did not open?") from None

    def _death_message(self, where: str) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"your code's process closed the grader's channel during {where}."
        if code < 0:
            sig = -code
            if sig == signal.SIGXCPU:
                why = f"it used more than {self.cpu_seconds} s of CPU time"
            elif sig == signal.SIGXFSZ:
                why = f"it wrote a file larger than {FILE_LIMIT >> 20} MB"
            elif sig == signal.SIGKILL:
                why = "it was killed (SIGKILL: by your code itself, or by the system for using too much memory)"
            elif sig == signal.SIGSEGV:
                why = "it crashed (segmentation fault)"
            else:
                why = f"it was killed by signal {signal.Signals(sig).name}"
            return f"your code's process died during {where}: {why}."
        return (f"your code's process exited (status {code}) during {where}: does ops.py call "
                "sys.exit(), os._exit() or exit()? Ops must return, never end the program.")


def import_message(err: dict) -> str:
    from grader.redact import redact

    return redact(_import_message(err))


def _import_message(err: dict) -> str:
    kind = err.get("type", "Error")
    line = f" ({err['line']})" if err.get("line") else ""
    if kind == "SyntaxError":
        return f"ops.py has a syntax error{line}: {err.get('message', '')}. Fix it and run make test."
    if kind == "SystemExit":
        return ("ops.py called sys.exit() / exit() while being imported"
                f"{line}; module-level code must not end the program.")
    if kind in ("ModuleNotFoundError", "ImportError"):
        return (f"ops.py could not be imported: {kind}: {err.get('message', '')}{line}. Only "
                "numpy and edugrad are available to ops.py.")
    return (f"ops.py raised {kind} while being imported{line}: {err.get('message', '')}. "
            "Code at the top level of ops.py runs on import; keep it to imports and "
            "definitions.")
