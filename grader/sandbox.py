"""Run a submission in child processes with limits; the parent never imports it.

``Sandbox(ops_path)`` runs each op's requests in a worker of its own (one per op of
``hw3.registry.OPS``; training, which needs them all, in one more), each
started lazily on its first request, so a timer, a signal handler or a thread one op
leaves behind can cost only that op's points.  Each worker is ``sandboxed/worker.py``,
run in a fork of the submission's fork server (``grader.forkserver``: numpy and the
worker imported once, never any submitted code; each fork does what follows itself):

* clean environment (no PYTHONPATH, one BLAS thread, HOME in a private temp dir),
  cwd = that temp dir, the submission copied in as ``ops.py``;
* limits set in the child before anything of the submission runs: CPU seconds,
  address space (memory: the caps of the workers alive at once add up to the budget
  ``grader.memory.plan`` finds for this machine or container, at most ``memory_mb``;
  where they cannot all be alive at once, the least recently used one is stopped
  before the next starts),
  file size, core dumps off, number of processes (for a non-root user; root ignores
  RLIMIT_NPROC, so then a pids cgroup is used when the machine allows one);
* ``grader.confine``, on the route this machine allows (``confine.route()``):
  with namespaces, a private mount namespace (as root, or in an unprivileged user
  namespace) where the instructor's side, the grader, the catalogs, the gold word
  classes and the class's other submissions and results are empty and the whole disk
  is read-only except the child's temp dir (a small tmpfs of its own: a disk bomb
  fills nothing else); its own PID namespace, so it can neither see nor signal the
  grader, and killing its pid 1 kills everything it started; its own network
  namespace.  As root without namespaces (Gradescope), a uid of its own per worker
  (``grader.second_user``; its processes killed and what it left in shared temp
  folders removed when the worker stops).  Everywhere: no capabilities, no new
  privileges, Landlock where there are no namespaces, and a seccomp filter (no
  sockets at all; without a PID namespace no signals but to itself, no setsid);
* where no PID namespace can be made: its own session/process group (which it
  cannot leave), killed as a whole (plus anything in its cgroup or of its uid), and
  ``confine.status()`` says what holds;
* stdout/stderr go to a pipe drained (non-blocking, with a deadline when the worker
  is stopped) by a thread that keeps only the first and last few KB, so printing
  100 MB costs nothing but the time to pipe it and a straggler holding the pipe
  cannot hold the grader;
* the protocol runs on two private pipes (``grader.protocol``); every request has a
  wall-clock deadline enforced here and a fresh nonce: frames without it (written by
  the submission, or left over) are dropped, and after any such anomaly the worker
  is replaced before its next request.  Nothing the submission can change in its
  own process (``os.getpid``, the worker's code) is trusted for this bookkeeping.

A timeout, crash, exit or garbled answer raises ``WorkerFailure`` with a message
for the student, kills the worker, and the next request starts a fresh one.  An
import failure is sticky: it is reported for every request without retrying.
"""

from __future__ import annotations

import functools
import itertools
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from grader import confine, forkserver, memory, second_user
from hw3.errors import NOT_UTF8, UTF8_ADVICE
from hw3.registry import NAMES as OPS
from sandboxed import protocol

_counter = itertools.count()
FILE_LIMIT = 16 << 20  # bytes any one file written by the submission may reach
# Address space of the submission's processes at most (less where the machine or its
# cgroup has less: grader.memory.plan).  condor/grade.sub's request_memory must
# cover it plus GRADER_MEMORY_MB (the grading process and its job wrapper: ~100 MB
# measured, peak resident, grading the reference); tests/dist check it.
MEMORY_MB = 3072
GRADER_MEMORY_MB = 512
OP_CPU_SECONDS = 120  # CPU time of one op's worker (grading the reference: < 1 s each)
# Answers that came with frames of the submission's own before one worker stops being
# replaced (each replacement costs a start, ~0.5 s).
MIXED_ANSWERS_BEFORE_GIVING_UP = 5
TRAIN = "training"  # the role of the worker that trains (all four ops)
EXIT_GRACE = 0.5  # s a worker asked to exit has before it is killed
TEMP_PREFIX = "hw3-sandbox-"


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
    """Read a pipe (a raw, non-blocking fd) to EOF, keeping the first and last ``keep``
    bytes.  ``stop`` ends it within a deadline even if some straggler keeps the pipe
    open; the owner closes the fd afterwards."""

    def __init__(self, fd: int, keep: int = 4096):
        super().__init__(daemon=True)
        self.fd, self.keep = fd, keep
        self.head = b""
        self.tail = b""
        self.total = 0
        self._stop_at: float | None = None
        os.set_blocking(fd, False)

    def run(self) -> None:
        while True:
            if self._stop_at is not None and time.monotonic() >= self._stop_at:
                return
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self.total += len(chunk)
            if len(self.head) < self.keep:
                self.head += chunk[: self.keep - len(self.head)]
            self.tail = (self.tail + chunk)[-self.keep:]

    def stop(self, within: float = 1.0) -> bool:
        """Read until EOF or ``within`` seconds, then stop; True if the thread ended."""
        self._stop_at = time.monotonic() + within
        self.join(timeout=within + 1.0)
        return not self.is_alive()

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

    def kill_all(self) -> None:
        if not self.path:
            return
        for attempt in range(40):
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
            time.sleep(0.002 if attempt < 20 else 0.02)  # killed processes go in a few ms
        try:
            os.rmdir(self.path)
        except OSError:
            pass


@functools.cache
def _searchable_temp() -> str | None:
    """A temp folder every user can reach (all folders above it searchable), for the
    second user's temp folders: $TMPDIR may be a private folder (grade-all's)."""
    def searchable(path: str) -> bool:
        path = os.path.realpath(path)
        while True:
            try:
                if not os.stat(path).st_mode & 0o001:
                    return False
            except OSError:
                return False
            if path == os.path.dirname(path):
                return True
            path = os.path.dirname(path)

    for folder in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        if os.path.isdir(folder) and searchable(folder):
            return folder
    return None


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


def _start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


_OWNER = f"{os.getpid()}-{_start_time(os.getpid()) or 0}"


def owner_tag() -> str:
    """This process's pid and start time: temp folders named ``PREFIX-PID-START-...``
    can be told stale (and removed by ``remove_stale_folders``) once it is gone."""
    global _OWNER
    if not _OWNER.startswith(f"{os.getpid()}-"):  # forked since import
        _OWNER = f"{os.getpid()}-{_start_time(os.getpid()) or 0}"
    return _OWNER


# Temp folders of the grader that carry their owner: the sandboxes' and grade-all's
# (the private folder of each entry); ``hw3-grade-`` for `grade`'s own, should it
# name them so.
OWNED_PREFIXES = (TEMP_PREFIX, "hw3-grade-all-", "hw3-grade-")


def remove_stale_folders(tmp: str | None = None, prefixes=OWNED_PREFIXES) -> list[str]:
    """Remove the grader's temp folders (``PREFIX-PID-START-*``, this user's) whose
    owner is gone (killed before it could clean up): no process PID started at START.
    Folders without an owner in their name are left alone."""
    tmp = tmp or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(tmp)
    except OSError:
        return removed
    longest_first = sorted(prefixes, key=len, reverse=True)
    for name in names:
        prefix = next((p for p in longest_first if name.startswith(p)), None)
        if prefix is None:
            continue
        parts = name[len(prefix):].split("-")
        if len(parts) < 3 or not parts[0].isdigit() or not parts[1].isdigit():
            continue
        path = os.path.join(tmp, name)
        try:
            if os.lstat(path).st_uid != os.geteuid() or not os.path.isdir(path) \
                    or os.path.islink(path):
                continue
        except OSError:
            continue
        if _start_time(int(parts[0])) != parts[1]:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class _Worker:
    """One worker process (and, confined, its PID namespace)."""

    def __init__(self, box: Sandbox, role: str | None, memory_mb: int, cpu_seconds: int):
        self.box, self.role, self.memory_mb, self.cpu_seconds = box, role, memory_mb, cpu_seconds
        self.proc: forkserver.Child | None = None
        self.tmp: str | None = None
        self.inner: int | None = None      # pid 1 of its PID namespace, as we see it
        self._pidfd: int | None = None
        self._cgroup = None
        self._req = self._resp = self._status = self._out = -1
        self._drain: _Drain | None = None
        self.dirty = False  # a frame came that was not the answer: replace the worker
        self.user: second_user.User | None = None  # its own uid (second-user route)

    # ------------------------------------------------------------------ lifecycle
    def _limits(self) -> dict:
        """The resource limits the worker's process sets on itself before it confines
        itself (``grader.forkserver``): CPU seconds, address space, file size (pipes are
        not files; Python ignores SIGXFSZ, so a bigger write raises EFBIG: confined, the
        child can write only its temp dir; elsewhere fake results written anywhere are
        still overwritten, since results.json is written after the worker is dead), no
        core dumps, and processes (RLIMIT_NPROC; root ignores it: the pids cgroup)."""
        if self.user is not None:  # a uid of its own: nothing else runs as it
            nproc = self.box.max_pids
        else:
            nproc = None if os.geteuid() == 0 else _tasks_of_this_user() + self.box.max_pids
        return {"cpu": self.cpu_seconds, "memory": self.memory_mb << 20, "file": FILE_LIMIT,
                "nproc": nproc}

    def start(self, import_timeout: float) -> dict:
        """Start the process and return its hello (raises WorkerFailure)."""
        second = confine.route() == confine.SECOND_USER
        self.tmp = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{owner_tag()}-",
                                    dir=_searchable_temp() if second else None)
        target = os.path.join(self.tmp, "ops.py")
        shutil.copyfile(self.box.ops_path, target)
        if second:
            self.user = second_user.acquire()
            if self.user is None:
                raise RuntimeError("no free uid for the sandbox's second user (all of "
                                   f"{second_user.BASE}..+{second_user.COUNT} are locked)")
            self.user.give(self.tmp)
        self._cgroup = _PidsCgroup(self.box.max_pids)
        req_r, self._req = os.pipe()
        self._resp, resp_w = os.pipe()
        self._status, status_w = os.pipe()
        pid_r, pid_w = os.pipe()
        self._out, out_w = os.pipe()
        exit_r, exit_w = os.pipe()
        for fd in (self._req, self._resp, self._status, self._out, pid_r, exit_r):
            os.set_inheritable(fd, False)
        nonce = secrets.token_hex(8)
        env = {"PATH": "/usr/bin:/bin", "HOME": self.tmp, "TMPDIR": self.tmp,
               **forkserver.STARTUP_ENV}
        spec = {"argv": [nonce, target],
                "cwd": self.tmp, "env": env, "limits": self._limits(),
                "cgroup": self._cgroup.path,
                "user": self.user.uid if self.user is not None else None}
        fds = {"req": req_r, "resp": resp_w, "status": status_w, "pid": pid_w, "out": out_w,
               "exit": exit_w}
        try:
            self.proc = self.box.server().spawn(spec, fds, exit_r)
        except BaseException:
            for fd in (pid_r, exit_r, self._req, self._resp, self._status, self._out):
                os.close(fd)
            self._req = self._resp = self._status = self._out = -1
            raise
        finally:
            for fd in (req_r, resp_w, status_w, pid_w, out_w, exit_w):
                os.close(fd)
        self._read_inner_pid(pid_r)
        self._drain = _Drain(self._out)
        self._drain.start()
        try:
            hello = self._receive(nonce, time.monotonic() + import_timeout,
                                  "importing ops.py", import_timeout)
        except WorkerFailure as failure:
            raise WorkerFailure("import", "ops.py could not be loaded: " + failure.message
                                ) from None
        if not isinstance(hello, dict) or not hello.get("ok"):
            err = hello.get("error", {}) if isinstance(hello, dict) else {}
            self.kill()
            raise WorkerFailure("import", import_message(err if isinstance(err, dict) else {}))
        # Frames written while importing were dropped; doing it again at every import
        # would make a restart pointless, so only later ones count.
        self.dirty = False
        return hello

    def _read_inner_pid(self, fd: int) -> None:
        """The confiner's outer process writes its inner pid, then closes the pipe."""
        try:
            os.set_blocking(fd, False)
            data = _read_to_eof(fd, time.monotonic() + 2.0)
        except OSError:
            data = b""
        finally:
            os.close(fd)
        if data.strip().isdigit():
            self.inner = int(data)
            try:
                self._pidfd = os.pidfd_open(self.inner)
            except (AttributeError, OSError):
                self._pidfd = None

    @property
    def alive(self) -> bool:
        return self.proc is not None

    def kill(self) -> None:
        """Kill the whole namespace (or process group), then close everything without
        waiting on anything a straggler could hold."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if self._pidfd is not None:
            try:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            except OSError:
                pass
        elif self.inner is not None and proc.poll() is None:
            try:  # the inner pid cannot have been reused while its parent lives
                os.kill(self.inner, signal.SIGKILL)
            except OSError:
                pass
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
        proc.release()
        if self.user is not None:  # every process of its uid, what it left in /tmp & co
            self.user.release()
            self.user = None
        for fd in (self._req, self._resp, self._status, self._pidfd):
            if fd is not None and fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._req = self._resp = self._status = -1
        self._pidfd = None
        if self._drain is not None and self._drain.stop(within=1.0):
            try:
                os.close(self._out)
            except OSError:
                pass
        self._out = -1
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def close(self) -> None:
        """Ask the worker to exit and give it ``EXIT_GRACE`` s (it ends in a few ms, reaped
        by its parents, so its CPU time counts in the grader's), then kill what is left."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                protocol.write_frame(self._req, {"cmd": "exit"})
                self.proc.wait(timeout=EXIT_GRACE)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    @property
    def output(self) -> str:
        return self._drain.text() if self._drain is not None else ""

    # ------------------------------------------------------------------ requests
    def request(self, message: dict, where: str, timeout: float) -> dict:
        nonce = secrets.token_hex(8)
        try:
            protocol.write_frame(self._req, {**message, "nonce": nonce})
        except OSError:
            pass  # the child is gone; _receive says how
        reply = self._receive(nonce, time.monotonic() + timeout, where, timeout)
        problem = _malformed(message, reply)
        if problem:
            self.kill()
            raise WorkerFailure("protocol", f"your code's process sent an answer the grader "
                                f"cannot read during {where} ({problem}).")
        if self.dirty:
            self.kill()  # the next request gets a fresh worker
        too_large = reply.get("too_large")
        if isinstance(too_large, dict):
            raise WorkerFailure("too-large", _too_large_message(
                where, too_large.get("bytes"), too_large.get("limit")))
        if not reply.get("ok"):
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {
                "type": "Error", "message": "unknown", "where": where}
            if error.get("type") == "MemoryError":  # with the limit of this process
                raise WorkerFailure("memory", self._memory_message(where, error))
            raise StudentError(error)
        return reply

    def _memory_message(self, where: str, error: dict) -> str:
        from grader.redact import redact

        line = redact(str(error.get("line") or ""))[:300]
        where = redact(str(error.get("where") or where))[:100]
        return (f"{where} ran out of memory"
                + (f" at {line}" if line else "")
                + f" (the limit is {self.memory_mb} MB"
                + (" for each op's process" if self.role in OPS else "") + ").")

    def _receive(self, nonce: str, deadline: float, where: str, timeout: float):
        """The frame carrying ``nonce``; any other frame is dropped (and marks the
        worker dirty).  Kills the worker and raises WorkerFailure on any failure."""
        while True:
            try:
                frame = protocol.read_frame(self._resp, deadline)
            except protocol.Timeout:
                self.kill()
                raise WorkerFailure("timeout", f"your code ran longer than {timeout:g} s on "
                                    f"{where} (an infinite loop, a sleep, or far more work "
                                    "than the formula needs?); it was stopped.") from None
            except protocol.Closed:
                message = self._death_message(where)
                self.kill()
                raise WorkerFailure("crash", message) from None
            except protocol.TooLarge as err:
                self.kill()
                raise WorkerFailure("too-large", _too_large_message(where, err.size, err.limit)
                                    ) from None
            except protocol.ProtocolError as err:
                self.kill()
                raise WorkerFailure("protocol", f"your code returned something the grader "
                                    f"cannot read during {where} ({err}). Ops must return "
                                    "numpy arrays of real numbers (backward: a tuple or list "
                                    "of them), and never write to file descriptors they did "
                                    "not open.") from None
            if isinstance(frame, dict) and frame.get("nonce") == nonce:
                return frame
            self.dirty = True

    def _death_message(self, where: str) -> str:
        code = self._exit_code()
        if code is None:
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
                try:
                    why = f"it was killed by signal {signal.Signals(sig).name}"
                except ValueError:
                    why = f"it was killed by signal {sig}"
            return f"your code's process died during {where}: {why}."
        return (f"your code's process exited (status {code}) during {where}: does ops.py call "
                "sys.exit(), os._exit() or exit()? Ops must return, never end the program.")

    def _exit_code(self) -> int | None:
        """How the worker ended: its init's report (own PID namespace), or its own exit
        status; None if it is still running after 2 s."""
        deadline = time.monotonic() + 2.0
        data = _read_to_eof(self._status, deadline)
        if data.strip().isdigit():
            try:
                return os.waitstatus_to_exitcode(int(data))
            except ValueError:
                pass
        try:
            return self.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None


def _read_to_eof(fd: int, deadline: float) -> bytes:
    """What a pipe carries until EOF, ``deadline`` or an error (a few bytes: a pid,
    a wait status)."""
    data = b""
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 64)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def _too_large_message(where: str, size, limit) -> str:
    size = size if isinstance(size, (int, float)) else 0
    limit = limit if isinstance(limit, (int, float)) and limit > 0 else protocol.MAX_BLOB
    return (f"your code returned more data than the grader accepts during {where}: "
            f"{size / (1 << 20):.0f} MB, and the limit is {limit / (1 << 20):.0f} MB (an op's "
            "results have the size of its inputs: a few numbers per input number).")


def _malformed(message: dict, reply) -> str:
    """Why ``reply`` cannot be the worker's own answer to ``message`` ("" if it can):
    the fields the worker (not the submission) fills in must have their form."""
    if not isinstance(reply, dict):
        return "not a message"
    if not reply.get("ok"):
        error, big = reply.get("error"), reply.get("too_large")
        if isinstance(big, dict):
            return ""
        if not isinstance(error, dict) or not all(isinstance(v, str) for v in error.values()):
            return "an error without its description"
        return ""
    cmd = message.get("cmd")

    def arrays(value, n=None) -> bool:
        return isinstance(value, list) and (n is None or len(value) == n) and all(
            isinstance(a, protocol.np.ndarray) for a in value)

    warnings = reply.get("warnings", [])
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        return "warnings that are not text"
    if cmd in ("forward", "backward") and not arrays(reply.get("inputs_after"),
                                                    len(message.get("inputs", ()))):
        return "the inputs are missing"
    if cmd == "backward" and not isinstance(reply.get("grad_output_after"),
                                            protocol.np.ndarray):
        return "grad_output is missing"
    if cmd == "forward_many" and not isinstance(reply.get("outs"), list):
        return "the outputs are missing"
    if cmd == "train" and not isinstance(reply.get("words", ""), str):
        return "the words are not text"
    return ""


class Sandbox:
    """One submission's workers: one per op and one for training (see the module
    docstring), each restartable; the interface is that of a single worker."""

    def __init__(self, ops_path: str, *, timeout: float = 5.0, import_timeout: float = 20.0,
                 memory_mb: int = MEMORY_MB, cpu_seconds: int = 900, max_pids: int = 64,
                 max_restarts: int = 60, per_op: bool = True):
        self.ops_path = os.path.abspath(ops_path)
        self.timeout = timeout
        self.import_timeout = import_timeout
        # What this machine (or container) has room for, and how many workers fit.
        self.memory_mb, self.slots = memory.plan(memory_mb, len(OPS) + 1 if per_op else 1,
                                                 memory.graders())
        self.cpu_seconds = cpu_seconds
        self.max_pids = max_pids
        self.max_restarts = max_restarts
        self.per_op = per_op
        self.restarts_left: dict[str, int] = {}
        self.mixed: dict[str, int] = {}  # role -> answers that came with stray frames
        self.import_failure: WorkerFailure | None = None
        self.ops_info: dict = {}
        self.workers: dict[str | None, _Worker] = {}  # role -> worker (None: not yet bound)
        self._last: _Worker | None = None
        self._recent: list[str | None] = []  # roles by last use, least recent first
        self._evicted: set[str | None] = set()  # stopped to make room (not failures)
        self._server: forkserver.ForkServer | None = None
        remove_stale_folders()

    def server(self) -> forkserver.ForkServer:
        """The fork server this submission's workers are started from (one per Sandbox)."""
        if self._server is None:
            self._server = forkserver.ForkServer(confine.route())
        return self._server

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def proc(self):
        """A live worker's process (None when none runs: ``start`` starts one)."""
        for worker in self.workers.values():
            if worker.alive:
                return worker.proc
        return None

    @property
    def _tmp(self) -> str | None:
        """The temp folder of the worker used last (it shows in its command line)."""
        return self._last.tmp if self._last is not None else None

    def _role(self, message: dict) -> str:
        if not self.per_op:
            return "all"
        if message.get("cmd") == "train":
            return TRAIN
        op = message.get("op")
        return op if op in OPS else "other"

    def _memory(self, role: str | None) -> int:
        """The address spaces of the workers alive at once add up to ``memory_mb``.  All
        five alive: a third for training (the toy runs peak at ~165 MB), the rest shared
        by the four op workers (each peaks at ~100 MB grading the reference).  Fewer
        alive at once (a small container): an equal share each."""
        if not self.per_op:
            return self.memory_mb
        if self.slots <= len(OPS):
            return self.memory_mb // self.slots
        train = self.memory_mb // 3
        return train if role == TRAIN else (self.memory_mb - train) // len(OPS)

    def _touch(self, role: str | None) -> None:
        if role in self._recent:
            self._recent.remove(role)
        self._recent.append(role)

    def _make_room(self) -> None:
        """Stop the least recently used workers until one more fits in ``slots``."""
        alive = [r for r in self._recent if r in self.workers and self.workers[r].alive]
        while alive and len(alive) >= self.slots:
            role = alive.pop(0)
            self.workers[role].close()
            self._evicted.add(role)

    def _spawn(self, role: str | None) -> _Worker:
        if self.import_failure is not None:
            raise self.import_failure
        key = role or "first"
        left = self.restarts_left.setdefault(key, self.max_restarts)
        if self.mixed.get(key, 0) >= MIXED_ANSWERS_BEFORE_GIVING_UP:
            raise WorkerFailure("gave-up", "your code kept writing data of its own on the "
                                "grader's channel (the pipe your process answers on), "
                                + (f"in {role} " if role in OPS else "")
                                + f"{self.mixed[key]} times; the remaining checks were not "
                                "run. Ops must only return their results.")
        if left <= 0:
            raise WorkerFailure("gave-up", "your code crashed or hung too many times"
                                + (f" in {role}" if role in OPS else "")
                                + "; the remaining checks were not run.")
        if role in self._evicted:  # stopped to make room: starting it again is no retry
            self._evicted.discard(role)
        else:
            self.restarts_left[key] = left - 1
        self._make_room()
        cpu = self.cpu_seconds if role in (TRAIN, "all") else min(self.cpu_seconds,
                                                                  OP_CPU_SECONDS)
        worker = _Worker(self, role, self._memory(role), cpu)
        self.workers[role] = worker
        self._last = worker
        self._touch(role)
        try:
            hello = worker.start(self.import_timeout)
        except WorkerFailure as failure:
            worker.kill()
            if failure.kind == "import":
                self.import_failure = failure
            raise
        except BaseException:
            worker.kill()
            raise
        if not self.ops_info:
            self.ops_info = hello.get("ops", {}) if isinstance(hello.get("ops"), dict) else {}
        return worker

    def start(self) -> None:
        """Make sure a worker runs (the first one tells which ops the file has)."""
        if self.import_failure is not None:
            raise self.import_failure
        if self.proc is None:
            self._spawn(None)

    def _worker_for(self, role: str) -> _Worker:
        worker = self.workers.get(role)
        if worker is not None and worker.alive:
            self._touch(role)
            return worker
        spare = self.workers.get(None)
        if spare is not None and spare.alive and (self._memory(None) == self._memory(role)):
            del self.workers[None]
            spare.role = role
            self.workers[role] = spare
            self._recent = [r for r in self._recent if r is not None]
            self._touch(role)
            return spare
        return self._spawn(role)

    def kill(self) -> None:
        for worker in self.workers.values():
            worker.kill()

    def close(self) -> None:
        for worker in self.workers.values():
            worker.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def output(self) -> str:
        """What the submission printed recently (capped), in the worker used last."""
        return self._last.output if self._last is not None else ""

    # ------------------------------------------------------------------ requests
    def request(self, message: dict, where: str, timeout: float | None = None) -> dict:
        """Send one request and return the reply; raises WorkerFailure or StudentError."""
        timeout = self.timeout if timeout is None else timeout
        role = self._role(message)
        worker = self._worker_for(role)
        self._last = worker
        try:
            return worker.request(message, where, timeout)
        finally:
            if worker.dirty:
                self.mixed[role] = self.mixed.get(role, 0) + 1


def import_message(err: dict) -> str:
    from grader.redact import redact

    return redact(_import_message(err))


def _import_message(err: dict) -> str:
    kind = err.get("type", "Error")
    line = f" ({err['line']})" if err.get("line") else ""
    if kind == "SyntaxError" and NOT_UTF8 in str(err.get("message", "")):
        return f"ops.py is not UTF-8 text{line}: {UTF8_ADVICE}, then run make test."
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
