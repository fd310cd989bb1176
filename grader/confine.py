"""Confine the sandboxed child: hide the secrets, freeze the disk, drop powers (Linux).

Resource limits alone do not keep a submission away from what it must not touch: it
runs as the grader's user, so it could read the reference solution (and score 100 by
delegating to it), read the hidden tests, or overwrite another student's results.
So, in the child between fork and exec (``confiner``):

1. a private mount namespace inside a new user namespace of its own that maps the
   grader's uid and gid to themselves (works for ordinary users and for root without
   CAP_SYS_ADMIN, e.g. in a container; and no other sandbox is its peer for
   /proc/PID/cwd and the like); where user namespaces are refused, as root, a plain
   private mount namespace;
2. in it, the hidden rubric, the reference solution, the catalogs, the repository's
   ``.git``, ``dist/`` and ``grades/`` (and the folders named in ``$HW3_GRADER_HIDE``:
   grade-all passes the class's submissions and output folders) are covered by empty
   read-only tmpfs mounts;
3. the shared temp folders (/tmp, /var/tmp, /dev/shm, $TMPDIR: other sandboxes'
   copies of other students' ops.py live there) are replaced by empty ones holding
   only what the child needs; then every mount is made read-only (the repository,
   the output folders, the home folder: everything), except the child's own temp
   folder;
4. a PID namespace of its own: the process that unshared forks once more and waits
   (outside, in the grader's namespace, it only mirrors the inner process's exit
   status); the inner one is pid 1 of the new namespace, in a session of its own,
   with a fresh read-only /proc, so the submission cannot see or signal the grader
   (nor any process outside), and when pid 1 dies the kernel kills every process
   the submission made (a double-forked, setsid daemon included).  Its pid (as the
   grader sees it) is written to ``pid_fd`` for the sandbox to kill it by;
5. securebits NOROOT (locked), an empty capability bounding set, no capabilities and
   no_new_privs: the child can neither undo the mounts (unmounting needs
   CAP_SYS_ADMIN; a nested user namespace only sees them locked) nor raise its
   limits nor regain powers by exec.

Each step is best effort (nothing here may stop the child from starting).  Whether it
worked is measured, not assumed: ``status()`` starts a probe through the same
confinement and looks at what the probe could see and write; ``status().message``
says what is missing and how to grade safely anyway.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 14, 1 << 18, 1 << 21, 1 << 24
MNT_DETACH = 2
AT_FDCWD, AT_RECURSIVE = -100, 0x8000
MOUNT_ATTR_RDONLY = 1
# mount_setattr(2) (Linux 5.12) has the same number on x86_64 and arm64.
SYS_MOUNT_SETATTR = 442 if platform.machine() in ("x86_64", "aarch64", "arm64") else None
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 24, 28, 38
# NOROOT | NOROOT_LOCKED | NO_SETUID_FIXUP | NO_SETUID_FIXUP_LOCKED | KEEP_CAPS_LOCKED
SECUREBITS = 0x2F
CAP_VERSION_3 = 0x20080522
CAP_SYS_ADMIN = 21
MAXFD = 1 << 16  # fds closed by the outer process of a PID namespace (close_range)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What a submission's process may see of the repository: the library, the homework,
# the worker and the corpora.  Every other folder is covered (``hidden_folders``):
# the instructors' side (solution, hidden tests and cases, private training
# references, mistake tables), the grader itself (a submission must not borrow its
# checks), the starter, the tests and catalogs, .git, built releases and bundles,
# graded results.  The list derives from the folders, so a new one is hidden too.
SANDBOX_VISIBLE = ("edugrad", "hw3", "sandboxed", "data")
SECRET = os.path.join(ROOT, "instructor")  # what must never reach a submission
HIDE_ENV = "HW3_GRADER_HIDE"  # more folders to hide, os.pathsep-separated


def hidden_folders() -> list[str]:
    """The repository's folders a submission's process does not see."""
    try:
        names = sorted(os.listdir(ROOT))
    except OSError:
        return []
    return [os.path.join(ROOT, n) for n in names
            if n not in SANDBOX_VISIBLE and os.path.isdir(os.path.join(ROOT, n))]


SECRET_FILES: tuple[str, ...] = ()  # paths under ROOT; none today (see secret_files)


def secret_files() -> list[str]:
    """Files the child must not read although their folder stays visible (covered by
    /dev/null; left out of the student release).  None today: the gold word classes of
    the toy corpus (data/toy/classes.tsv) ship, since `make test` judges neighbours with
    them, and they no longer help a faked training run: graded runs use private
    settings, and neighbours count only after a run that followed the reference."""
    names = [os.path.join(ROOT, rel) for rel in SECRET_FILES]
    return [n for n in names if os.path.isfile(n)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


# What the child reads to run: never covered, nor any folder holding one of these.
NEEDED = [ROOT, *(os.path.join(ROOT, name) for name in SANDBOX_VISIBLE),
          sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))]


def folders_to_hide(hide=None, keep=()) -> list[str]:
    """The existing folders to cover, minus any holding what the child needs to run."""
    wanted = list(hidden_folders() if hide is None else hide)
    wanted += [p for p in os.environ.get(HIDE_ENV, "").split(os.pathsep) if p]
    needed = [*NEEDED, *keep, *temp_roots()]  # temp folders are emptied as a whole
    found = []
    for folder in wanted:
        folder = os.path.abspath(folder)
        if os.path.isdir(folder) and folder not in found \
                and not any(_inside(need, folder) for need in needed if need):
            found.append(folder)
    return found


def folders_around(path: str) -> list[str]:
    """The folders holding ``path`` outside the repository: a submission's classmates
    sit there (what ``folders_to_hide`` must keep, it keeps)."""
    found, folder = [], os.path.dirname(os.path.abspath(path))
    while folder != os.path.dirname(folder):
        if not _inside(folder, ROOT) and not _inside(ROOT, folder):
            found.append(folder)
        folder = os.path.dirname(folder)
    return found


_OPTION_FLAGS = {b"nosuid": MS_NOSUID, b"nodev": MS_NODEV, b"noexec": MS_NOEXEC,
                 b"noatime": MS_NOATIME, b"nodiratime": MS_NODIRATIME,
                 b"relatime": MS_RELATIME}


def _mount_table() -> list[tuple[bytes, int]]:
    """(mount point, flags to keep) of every mount, for remounting read-only one by one
    where mount_setattr is missing (a remount in a user namespace must keep the
    nosuid/nodev/noexec/atime flags the mount was made with)."""
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    table = []
    for line in lines:
        fields = line.split()
        if len(fields) < 6:
            continue
        point = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
        options = fields[5].split(b",")
        flags = 0
        for option in options:
            flags |= _OPTION_FLAGS.get(option, 0)
        if not flags & (MS_NOATIME | MS_RELATIME):
            flags |= MS_STRICTATIME
        table.append((point, flags))
    return table


def _flags_at(path: bytes, table) -> int:
    """The kept flags of the mount ``path`` lives on (the longest mount point above it)."""
    best, flags = b"", 0
    for point, f in table:
        if (path == point or path.startswith(point.rstrip(b"/") + b"/")) and len(point) >= len(best):
            best, flags = point, f
    return flags


def _top_most(paths: list[str]) -> list[str]:
    """``paths`` without those inside another one of them."""
    paths = sorted(set(paths), key=len)
    return [p for i, p in enumerate(paths) if not any(_inside(p, q) for q in paths[:i])]


def temp_roots() -> list[str]:
    """Shared scratch folders: other graders' temp folders (other students' copied
    ops.py, extracted archives) live there."""
    found = []
    for path in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        real = os.path.realpath(path)
        if os.path.isdir(real) and real != "/" and real not in found:
            found.append(real)
    return _top_most(found)


def confiner(writable: str | None = None, hide=None, pid_fd: int | None = None,
             files=None):
    """The function to run in the child between fork and exec (None without libc).

    ``writable``: the one folder that stays writable (the child's own temp folder).
    ``hide``: the folders to cover (default ``hidden_folders()``, plus ``$HW3_GRADER_HIDE``);
    ``files``: the files to cover (default ``secret_files()``).
    Shared temp folders (/tmp, /var/tmp, /dev/shm, $TMPDIR) are replaced by empty
    ones holding only what the child needs (its own folder; the repository or the
    Python installation, should they live there).
    ``pid_fd``: a pipe's write end; given, the child gets a PID namespace of its own
    (where one can be made) and the pid of its pid 1, as the caller sees it, is
    written there (nothing is written without a PID namespace).
    """
    libc = _LIBC
    if libc is None or not hasattr(libc, "capset"):
        return None
    keep = [os.path.realpath(writable)] if writable else []
    folders = [os.fsencode(p) for p in folders_to_hide(hide, keep)]
    covered_files = [os.fsencode(p) for p in (secret_files() if files is None else files)
                     if os.path.isfile(p)]
    spot = os.fsencode(keep[0]) if keep else None
    table = _mount_table()
    needed = [os.path.realpath(p) for p in [*NEEDED, *keep] if p and os.path.isdir(p)]
    covers = []  # (temp folder, [(hole, flags)]): a fresh tmpfs, and the holes in it
    for root in temp_roots():
        if not any(_inside(root, p) for p in needed):  # e.g. the repository IS in /tmp/x
            holes = _top_most([p for p in needed if _inside(p, root)])
            covers.append((os.fsencode(root), [(os.fsencode(h), _flags_at(os.fsencode(h), table))
                                               for h in holes]))
    uid, gid = os.geteuid(), os.getegid()
    grader = os.getpid()
    header = _CapHeader(CAP_VERSION_3, 0)
    empty = (_CapData * 2)()
    freeze = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    thaw = _MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
    maps = [(b"/proc/self/setgroups", b"deny"),
            (b"/proc/self/uid_map", f"{uid} {uid} 1\n".encode()),
            (b"/proc/self/gid_map", f"{gid} {gid} 1\n".encode())]
    hidden_flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
    # The parent-death signal fires when the *thread* that started the child ends: only
    # ask for it when that is the main thread (which lives as long as the grader).
    die_with_grader = threading.current_thread() is threading.main_thread()

    def own_user_namespace() -> bool:
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
            return False
        for path, data in maps:
            try:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
            except OSError:
                if not path.endswith(b"setgroups"):  # absent before Linux 3.19
                    return False
        return True

    def cover_temp(root: bytes, holes) -> None:
        """An empty tmpfs on ``root``; each hole bound back in at its own path."""
        fds = [(os.open(hole, os.O_PATH | os.O_DIRECTORY), hole, flags) for hole, flags in holes]
        try:
            if libc.mount(b"tmpfs", root, b"tmpfs", MS_NOSUID | MS_NODEV,
                          b"size=64k,mode=755") != 0:
                return
            for fd, hole, flags in fds:
                os.makedirs(hole, exist_ok=True)
                libc.mount(b"/proc/self/fd/%d" % fd, hole, None, MS_BIND | MS_REC, None)
                if hole != spot:  # made read-only below; this is for kernels without
                    libc.mount(None, hole, None,  # mount_setattr
                               MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)
            libc.mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
                       | MS_NODEV | MS_RELATIME, None)
        finally:
            for fd, _, _ in fds:
                os.close(fd)

    def cover_file(path: bytes) -> None:
        """/dev/null bound over ``path``: it reads as empty."""
        if libc.mount(b"/dev/null", path, None, MS_BIND, None) == 0:
            libc.mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
                       | MS_NOEXEC, None)

    def read_only() -> None:
        done = False
        if SYS_MOUNT_SETATTR is not None:
            done = libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE,
                                ctypes.byref(freeze), ctypes.sizeof(freeze)) == 0
        if done:
            if spot is not None:  # its bind mount got read-only too: undo it there
                libc.syscall(SYS_MOUNT_SETATTR, AT_FDCWD, spot, 0, ctypes.byref(thaw),
                             ctypes.sizeof(thaw))
            return
        for point, flags in table:  # older kernels: one mount at a time
            libc.mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags, None)

    def drop_powers() -> None:
        libc.prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0)
        for cap in range(64):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        libc.capset(ctypes.byref(header), empty)

    def wait_and_mirror(inner: int) -> None:
        """The outer process: say the inner pid, hold nothing, wait, exit as it did."""
        try:
            os.write(pid_fd, b"%d\n" % inner)
        except OSError:
            pass
        os.closerange(0, MAXFD)  # Popen waits for its error pipe to close; the worker's
        if die_with_grader:      # pipes must close when the worker's side is gone
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != grader:
                os.kill(inner, signal.SIGKILL)
                os._exit(1)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        drop_powers()
        while True:
            try:
                _, status = os.waitpid(inner, 0)
                break
            except InterruptedError:
                continue
            except OSError:
                os._exit(1)
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)

    def confine() -> None:
        mounted = new_pids = False
        try:
            # A user namespace of its own even as root: then no other process (another
            # sandbox's) counts as its peer for /proc/PID/cwd, root, mem and the like.
            ok = own_user_namespace() or (uid == 0 and libc.unshare(CLONE_NEWNS) == 0)
            new_pids = ok and pid_fd is not None and libc.unshare(CLONE_NEWPID) == 0
            if ok and libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0:
                mounted = True
                covered_spot = False
                for root, holes in covers:
                    cover_temp(root, holes)
                    covered_spot |= any(hole == spot for hole, _ in holes)
                for folder in folders:
                    libc.mount(b"tmpfs", folder, b"tmpfs", hidden_flags, b"size=4k,mode=555")
                for path in covered_files:
                    cover_file(path)
                if spot is not None and not covered_spot:  # its own mount: stays writable
                    libc.mount(spot, spot, None, MS_BIND | MS_REC, None)
        except Exception:  # noqa: BLE001 - never stop the child here; status() reports
            pass
        if new_pids:
            try:
                inner = os.fork()
            except OSError:
                inner = -1  # no second process: run unconfined by pid, as before
            if inner > 0:
                wait_and_mirror(inner)  # never returns
            if inner == 0:
                try:
                    os.close(pid_fd)
                except OSError:
                    pass
                if die_with_grader:  # the outer process is its parent
                    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
                try:
                    os.setsid()  # out of the outer process's group and session
                except OSError:
                    pass
                if mounted:  # /proc of this namespace: no process outside is listed
                    libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                               None)
        if mounted:
            try:
                read_only()
                if spot is not None:  # the cwd still points into the old, frozen mount
                    os.chdir(spot)
            except Exception:  # noqa: BLE001
                pass
        drop_powers()

    return confine


# --------------------------------------------------------------------------- status
@dataclass
class Isolation:
    """What the confinement achieved on this machine, as seen by a probe child."""

    readable: list[str] = field(default_factory=list)   # secrets the child could list
    writable: list[str] = field(default_factory=list)   # outside folders it could write
    how: str = ""                                       # "root", "user namespace", "none"
    reason: str = ""
    signals: bool = False  # it could signal the grader (no PID namespace of its own)

    @property
    def complete(self) -> bool:
        return not self.readable and not self.writable and not self.signals

    @property
    def message(self) -> str:
        if self.complete:
            return ""
        what = []
        if self.readable:
            names = ", ".join(os.path.relpath(p, ROOT) if _inside(p, ROOT) else p
                              for p in self.readable)
            what.append(f"submissions can read {names} (so one can copy the reference "
                        "solution and score full marks, or the hidden tests)")
        if self.writable:
            what.append("submissions can write wherever the grader can (the repository, "
                        "the output folder, other students' results)")
        if self.signals:
            what.append("submissions can see and signal the grader's processes (stop or "
                        "kill the grading) and leave processes running after their grading")
        return ("WARNING: grading isolation is incomplete on this machine: "
                + "; ".join(what) + f". Why: {self.reason} Scores of this run cannot be "
                "trusted against a hostile submission. To fix it, grade from the Gradescope "
                "bundle (make autograder; unzip dist/autograder.zip into a fresh folder, "
                "make install there and grade from that copy: it holds no solution "
                "and no catalogs) or from a copy of the repository without instructor/solution "
                "and .git; or allow unprivileged user namespaces "
                "(sysctl user.max_user_namespaces=10000, and on Ubuntu 24.04 "
                "kernel.apparmor_restrict_unprivileged_userns=0), or grade as root with "
                "CAP_SYS_ADMIN.")


_PROBE = r"""
import json, os, sys
args = json.loads(sys.argv[1])
seen = [p for p in args["secrets"] if os.path.isdir(p) and os.listdir(p)]
for p in args["files"]:
    try:
        with open(p, "rb") as f:
            if f.read(1):
                seen.append(p)
    except OSError:
        pass
try:
    os.kill(args["grader"], 0)
    signals = True
except PermissionError:
    signals = True
except OSError:
    signals = False
seen += [p for p in args["outside"][:1] if os.path.exists(p)]
wrote = []
for folder in args["outside"]:
    target = os.path.join(folder, "probe-%d" % os.getpid())
    try:
        with open(target, "w") as f:
            f.write("x")
        wrote.append(folder)
        os.unlink(target)
    except OSError:
        pass
with open("/proc/self/uid_map") as f:
    mapped = f.read().split()
print(json.dumps({"seen": seen, "wrote": wrote, "mnt": os.readlink("/proc/self/ns/mnt"),
                  "signals": signals, "pid": os.getpid(),
                  "user": os.readlink("/proc/self/ns/user"), "map": mapped}))
"""


def _reason() -> str:
    try:
        with open("/proc/sys/user/max_user_namespaces") as f:
            userns = int(f.read().strip() or 0)
    except (OSError, ValueError):
        userns = None
    try:
        with open("/proc/self/status") as f:
            caps = next(int(line.split()[1], 16) for line in f if line.startswith("CapEff:"))
    except (OSError, StopIteration, ValueError):
        caps = 0
    if os.geteuid() == 0 and caps >> CAP_SYS_ADMIN & 1:
        why = "unshare(CLONE_NEWNS) or mount failed although the grader has CAP_SYS_ADMIN"
    elif os.geteuid() == 0:
        why = "the grader runs as root without CAP_SYS_ADMIN (a container?)"
    else:
        why = f"the grader runs as an ordinary user (uid {os.geteuid()})"
    if userns == 0:
        why += " and user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)."
    elif userns is None:
        why += " and this kernel has no user namespaces."
    else:
        why += (" and creating or using a user namespace was refused (a seccomp or AppArmor "
                "policy, or a chroot).")
    return why


@functools.cache
def status() -> Isolation:
    """Confine a probe child exactly as the sandbox does and see what it can reach."""
    work = tempfile.mkdtemp(prefix="hw3-confine-probe-")
    # (folders holding the probe's own, as a sandbox's folder, are not hidden: where
    # they are shared temp folders, the child sees in them only the way to its own)
    secrets = [p for p in folders_to_hide(keep=[work]) if _readable_content(p)]
    files = [p for p in secret_files() if os.path.getsize(p)]
    outside = tempfile.mkdtemp(prefix="hw3-confine-outside-")
    pid_r, pid_w = os.pipe()
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _PROBE,
             json.dumps({"secrets": secrets, "files": files, "outside": [outside, ROOT],
                         "grader": os.getpid()})],
            cwd=work, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
            preexec_fn=confiner(writable=work, pid_fd=pid_w))
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError) as err:
        return Isolation(secrets + files, [outside], "none",
                         f"the confinement probe could not run ({err}).", True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
        os.close(pid_r)
        os.close(pid_w)
    own_mnt = os.readlink("/proc/self/ns/mnt")
    own_user = os.readlink("/proc/self/ns/user")
    how = ("none" if seen["mnt"] == own_mnt else
           "user namespace" if seen["user"] != own_user else "root")
    name = "other graders' temp folders"
    result = Isolation([name if p == outside else p for p in seen["seen"]],
                       ["the output folder" if p == outside else p for p in seen["wrote"]], how,
                       signals=bool(seen.get("signals", True)))
    if not result.complete:
        result.reason = _reason() if how == "none" else (
            f"the private mount namespace ({how}) was made, but covering or freezing "
            "folders in it, or making a PID namespace, failed.")
    return result


def _readable_content(folder: str) -> bool:
    try:
        return bool(os.listdir(folder))
    except OSError:
        return False
