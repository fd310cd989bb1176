"""A user of its own for each worker, where the grader is root but namespaces are refused.

Gradescope runs the autograder as root in a Docker container whose seccomp profile
refuses user and mount namespaces (and gives no CAP_SYS_ADMIN).  There, as on
PrairieLearn, each worker runs as a dedicated unprivileged uid with no passwd entry
and no groups (``acquire``; ``grader.confine`` switches to it in the child before
exec).  One uid per live worker, locked by the grader that holds it (a lock file
under a root-only folder; the lock dies with its holder), so one op's worker cannot
signal, ptrace or read the files of another's, nor of another grader's.  The uid
gets the worker's temp folder (chowned to it) and nothing else it can write but the
shared temp folders, swept after the worker: ``User.release`` kills every process
of the uid (``kill(-1)`` from a child that switched to it) and removes what it left
in /tmp, /var/tmp, /dev/shm and the like.  Secrets are hidden from it by their
modes (``grader.confine.lock_secrets``) and, where the kernel has it, by Landlock.

``HW3_SANDBOX_UID_BASE`` moves the range (default 2100000000-2100000999: far above
people's, systemd's and the usual subordinate uids).
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile

BASE = int(os.environ.get("HW3_SANDBOX_UID_BASE", "2100000000"))
COUNT = 1000
LOCK_DIRS = ("/run/hw3-sandbox-uids", "/var/tmp/hw3-sandbox-uids", "/tmp/hw3-sandbox-uids")
CLEAN = b"clean\n"  # written in a uid's lock file once nothing of it is left
SWEEP_DEPTH = 3
SWEEP_LIMIT = 20000  # entries looked at per sweep (a bound, should /tmp be huge)


def shared_folders() -> list[str]:
    """Folders anyone may write: what a worker's uid can leave files in."""
    found = []
    for path in ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock", "/var/lock",
                 tempfile.gettempdir()):
        real = os.path.realpath(path)
        if real not in found and os.path.isdir(real):
            found.append(real)
    return found


def _lock_dir() -> str | None:
    """A folder only root can write, the same for every grader on this machine."""
    for path in LOCK_DIRS:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o077:
            return path
    return None


class User:
    """One uid (and the gid of the same number), held until ``release``."""

    def __init__(self, uid: int, lock_fd: int):
        self.uid = self.gid = uid
        self._lock = lock_fd

    def give(self, path: str) -> None:
        """Make ``path`` (the worker's temp folder, and what is in it) the uid's own."""
        os.chown(path, self.uid, self.gid)
        os.chmod(path, 0o700)
        for name in os.listdir(path):
            os.chown(os.path.join(path, name), self.uid, self.gid, follow_symlinks=False)

    def release(self) -> None:
        """Kill what runs as the uid, remove what it left, unlock it (marked clean only
        once nothing of it is left, zombies included)."""
        if self._lock < 0:
            return
        try:
            state = CLEAN if clean(self.uid) else b"zombies\n"
            os.pwrite(self._lock, state, 0)
            os.ftruncate(self._lock, len(state))
        except OSError:
            pass
        finally:
            os.close(self._lock)
            self._lock = -1


def acquire() -> User | None:
    """A free uid of the range, cleaned if its last holder could not; None if this
    machine has no place for the locks (then the caller must not use this route)."""
    folder = _lock_dir()
    if folder is None:
        return None
    start = os.getpid() % COUNT  # graders running side by side start apart
    for i in range(COUNT):
        uid = BASE + (start + i) % COUNT
        try:
            pwd.getpwuid(uid)
            continue  # somebody's account: never ours
        except KeyError:
            pass
        fd = os.open(os.path.join(folder, str(uid)),
                     os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        try:
            # Not left clean: a grader killed before it cleaned up, a first use, or
            # zombies not yet reaped (they count against the uid's RLIMIT_NPROC: the
            # next worker would inherit them, so such a uid waits its turn).
            if os.pread(fd, 64, 0) != CLEAN and not clean(uid):
                os.close(fd)
                continue
            os.pwrite(fd, b"in use\n", 0)
            os.ftruncate(fd, 7)
        except OSError:
            os.close(fd)
            continue
        return User(uid, fd)
    return None


def clean(uid: int) -> bool:
    """Kill what runs as ``uid`` and sweep what it left; True if no process of it (not
    even a zombie) is left."""
    live, zombies = processes_of(uid)
    if live:  # (looking costs ~1 ms; the killing child ~30 ms of fork)
        kill_all(uid)
    sweep(uid)
    if live:
        live, zombies = processes_of(uid)
    return not live and not zombies


def processes_of(uid: int) -> tuple[list[int], list[int]]:
    """(live processes, zombies) whose real, effective or saved uid is ``uid``."""
    found, zombies = [], []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                text = f.read(2048)
        except OSError:
            continue
        state = uids = b""
        for line in text.splitlines():
            if line.startswith(b"State:"):
                state = line.split()[1:2]
            elif line.startswith(b"Uid:"):
                uids = line.split()[1:4]
                break
        if str(uid).encode() in uids:
            (zombies if state == [b"Z"] else found).append(int(name))
    return found, zombies


def kill_all(uid: int) -> None:
    """SIGKILL every process of ``uid``: ``kill(-1)`` from a child that became it (it
    reaches exactly the processes that uid may signal, and not itself), until none
    is left."""
    def as_uid():  # runs in the child; never returns
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(200):
                os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            os._exit(0)  # nothing left to signal
        except OSError:
            os._exit(1)
        os._exit(2)

    try:
        subprocess.run(["/bin/true"], preexec_fn=as_uid, close_fds=True, timeout=30,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        pass


def sweep(uid: int, folders=None) -> list[str]:
    """Remove what ``uid`` owns in the shared folders (and in the world-writable
    folders inside them, a few levels down)."""
    removed: list[str] = []
    budget = [SWEEP_LIMIT]

    def visit(folder: str, depth: int) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            budget[0] -= 1
            if budget[0] < 0:
                return
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if st.st_uid == uid or st.st_gid == uid:
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    try:
                        os.unlink(entry.path)
                    except OSError:
                        pass
                removed.append(entry.path)
            elif stat.S_ISDIR(st.st_mode) and st.st_mode & 0o002 and depth < SWEEP_DEPTH:
                visit(entry.path, depth + 1)

    for folder in shared_folders() if folders is None else folders:
        visit(folder, 0)
    return removed
