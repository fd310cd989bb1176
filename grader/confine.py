"""Confine the sandboxed child: hide the secrets, freeze the disk, cut the network (Linux).

Resource limits alone do not keep a submission away from what it must not touch: it
runs as the grader's user, so it could read the reference solution (and score 100 by
delegating to it), read the hidden tests, overwrite another student's results, plant
a ``.pth`` file for the next submission, or send what it read anywhere.  So, in the
child between fork and exec (``confiner``), on one of three routes (``route()``,
decided once per process by trying, never assumed):

**namespaces** (user namespaces allowed, or root with CAP_SYS_ADMIN):

1. a private mount namespace inside a new user namespace of its own that maps the
   grader's uid and gid to themselves (works for ordinary users and for root without
   CAP_SYS_ADMIN, e.g. in a container; and no other sandbox is its peer for
   /proc/PID/cwd and the like); where user namespaces are refused, as root, a plain
   private mount namespace; with it a network namespace (only a loopback that is
   down; abstract unix sockets of its own) and an IPC namespace;
2. in it, every folder of the repository but ``SANDBOX_VISIBLE`` (the instructor's
   side, the grader, the starter, the tests and catalogs, ``.git``, builds, grades:
   ``hidden_folders()``; and the folders named in ``$HW3_GRADER_HIDE``: grade-all
   passes the class's submissions and output folders) is covered by an empty
   read-only tmpfs, and ``secret_files()`` by /dev/null;
3. the shared temp folders (/tmp, /var/tmp, /dev/shm, $TMPDIR: other sandboxes'
   copies of other students' ops.py live there) are replaced by empty ones holding
   only what the child needs; then every mount is made read-only (the repository,
   the output folders, the home folder: everything), except the child's own temp
   folder, which becomes a tmpfs of its own (``SCRATCH_MB``: a disk bomb fills that
   and nothing else, and what it wrote goes with the namespace);
4. a PID namespace of its own: the process that unshared forks once more and waits
   (outside, in the grader's namespace, it only mirrors the inner process's exit
   status); the inner one is pid 1 of the new namespace, in a session of its own,
   with a fresh read-only /proc, so the submission cannot see or signal the grader
   (nor any process outside), and when pid 1 dies the kernel kills every process
   the submission made (a double-forked, setsid daemon included).  Its pid (as the
   grader sees it) is written to ``pid_fd`` for the sandbox to kill it by;

**second user** (root, namespaces refused: Gradescope's Docker container): the child
switches to a uid of its own (``grader.second_user``: its temp folder is the only
place it owns; the secrets are unreadable to it by their modes, ``lock_secrets``;
the sandbox kills the uid's processes and sweeps the shared temp folders after it);

**limits only** (an ordinary user, namespaces refused: a locked-down node): nothing
but what follows, and the resource limits of ``grader.sandbox``.

On every route, last:

5. securebits NOROOT (locked), an empty capability bounding set, no capabilities and
   no_new_privs: the child can neither undo the mounts (unmounting needs
   CAP_SYS_ADMIN; a nested user namespace only sees them locked) nor raise its
   limits nor regain powers by exec;
6. where no mount namespace was made, Landlock when the kernel has it
   (``grader.landlock``: reads only outside the hidden folders, writes only its temp
   folder, no ptrace outside its domain, no TCP, scoped signals);
7. the seccomp filter of ``grader.seccomp``: no socket of any family, no io_uring,
   no SysV/POSIX IPC or keyrings (things that outlive a process), no ptrace; without
   a PID namespace also no signal but to itself and no setsid/setpgid (so its process
   group, which the sandbox kills, holds everything it starts).

Each step is best effort (nothing here may stop the child from starting, except a
failed switch to the second user: never run a submission as root by mistake).
Whether it worked is measured, not assumed: ``status()`` starts a probe through the
same confinement and looks at what the probe could read, write, reach and leave
behind; ``status().message`` says what is missing and how to grade safely anyway.
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
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from grader import landlock, seccomp, second_user

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_NEWIPC = 0x40000000, 0x08000000
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
# The child's own temp folder, where namespaces allow it: a tmpfs this big (its pages
# count as memory: grader.memory.HEADROOM_MB leaves room for it) with this many files.
SCRATCH_MB, SCRATCH_INODES = 32, 4096
SCRATCH_OPTIONS = f"size={SCRATCH_MB}m,nr_inodes={SCRATCH_INODES},mode=700".encode()

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


_LIBC = landlock.LIBC  # the C library (None where ctypes cannot load it)


@functools.lru_cache(maxsize=4096)
def _real(path: str) -> str:
    """os.path.realpath, remembered (the folders compared here do not move while a
    grader runs; every worker's start compares hundreds of them)."""
    return os.path.realpath(path)


def _inside(path: str, folder: str) -> bool:
    path, folder = _real(path), _real(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _package_folders() -> list[str]:
    """Where the child's packages come from: this environment's site-packages and the
    folder numpy is in (it may be another environment's, added by a .pth file)."""
    import sysconfig

    paths = sysconfig.get_paths()
    found = [paths.get("purelib", ""), paths.get("platlib", "")]
    numpy = sys.modules.get("numpy")
    if numpy is not None and getattr(numpy, "__file__", None):
        found.append(os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__))))
    return [p for p in found if p]


# What the child reads to run: never covered, nor any folder holding one of these.
NEEDED = [ROOT, *(os.path.join(ROOT, name) for name in SANDBOX_VISIBLE),
          sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)),
          *_package_folders()]


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


# --------------------------------------------------------------------------- routes
NAMESPACES, SECOND_USER, LIMITS_ONLY = "namespaces", "second user", "limits only"
_ROUTE_PROBLEM: list[str] = []  # why the second-user route was not taken, if it was not


def _enter_namespaces(libc, uid: int, gid: int) -> bool:
    """In the child: a user namespace of its own (mapping the grader's uid and gid to
    themselves) with mount, network and IPC namespaces; or, as root, those without the
    user namespace; the network and IPC ones are left out where they are refused.
    False if no mount namespace could be made."""
    maps = [(b"/proc/self/setgroups", b"deny"),
            (b"/proc/self/uid_map", f"{uid} {uid} 1\n".encode()),
            (b"/proc/self/gid_map", f"{gid} {gid} 1\n".encode())]

    def own_user_namespace(extra: int) -> bool:
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | extra) != 0:
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

    # A user namespace of its own even as root: then no other process (another
    # sandbox's) counts as its peer for /proc/PID/cwd, root, mem and the like.
    for extra in (CLONE_NEWNET | CLONE_NEWIPC, 0):
        if own_user_namespace(extra):
            return True
    if uid == 0:
        for extra in (CLONE_NEWNET | CLONE_NEWIPC, 0):
            if libc.unshare(CLONE_NEWNS | extra) == 0:
                return True
    return False


def _namespaces_work() -> bool:
    """Whether a child can make its mount namespace here (tried, in a throwaway child)."""
    libc = _LIBC
    if libc is None or not hasattr(libc, "capset"):
        return False
    uid, gid = os.geteuid(), os.getegid()

    def attempt():  # runs in the child and never returns
        os._exit(0 if _enter_namespaces(libc, uid, gid) else 1)

    try:
        return subprocess.run([sys.executable], preexec_fn=attempt, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


_CAN_RUN = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import numpy, edugrad, hw3, sandboxed.worker")


def _second_user_works() -> bool:
    """Whether a worker can run as a second user here: a uid can be locked, and as
    that uid Python starts and imports numpy and the repository's visible packages."""
    if _LIBC is None or not hasattr(_LIBC, "capset"):
        _ROUTE_PROBLEM.append("this Python cannot call the C library (ctypes).")
        return False
    user = second_user.acquire()
    if user is None:
        _ROUTE_PROBLEM.append("no root-only folder for the uid locks could be made (tried "
                              + ", ".join(second_user.LOCK_DIRS) + ").")
        return False
    work = tempfile.mkdtemp(prefix="hw3-confine-user-")
    try:
        user.give(work)

        def become():
            os.setgroups([])
            os.setresgid(user.gid, user.gid, user.gid)
            os.setresuid(user.uid, user.uid, user.uid)

        proc = subprocess.run([sys.executable, "-I", "-c", _CAN_RUN, ROOT], cwd=work,
                              env={"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8"},
                              preexec_fn=become, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1][:300]
            _ROUTE_PROBLEM.append(
                f"as uid {user.uid}, Python could not start or import the repository "
                f"({last}); every folder above the repository and the Python installation "
                "must be searchable by others (chmod o+x), and edugrad, hw3, sandboxed, "
                "data and the installation readable (chmod -R o+rX).")
            return False
        return True
    except (OSError, subprocess.SubprocessError) as err:
        _ROUTE_PROBLEM.append(
            f"as uid {user.uid}, Python could not start ({err}); every folder above the "
            "repository and the Python installation must be searchable by others "
            "(chmod o+x), and the installation readable (chmod -R o+rX).")
        return False
    finally:
        user.release()
        shutil.rmtree(work, ignore_errors=True)


_ADOPTED: list[str] = []


def adopt_route(name: str) -> None:
    """Take the route the grader decided (the fork server: trying again costs a start)."""
    _ADOPTED[:] = [name]


def route() -> str:
    """How children are confined on this machine, decided by trying (once per process):
    ``NAMESPACES``, ``SECOND_USER`` (root without namespaces) or ``LIMITS_ONLY``.
    On the last, this process is made non-dumpable (``protect_grader``)."""
    return _ADOPTED[0] if _ADOPTED else _tried_route()


@functools.cache
def _tried_route() -> str:
    if _namespaces_work():
        return NAMESPACES
    if os.geteuid() == 0 and _second_user_works():
        return SECOND_USER
    protect_grader()
    return LIMITS_ONLY


def protect_grader() -> None:
    """Where children run as the grader's own user: no process of that user may open
    this one's /proc/PID/mem or environ (they could rewrite its verdicts) or ptrace
    it.  (The seccomp filter refuses ptrace and process_vm_*; this covers /proc.)"""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def confiner(writable: str | None = None, hide=None, pid_fd: int | None = None,
             files=None, user: int | None = None):
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
    ``user``: on the second-user route, the uid (and gid) the child becomes (from
    ``grader.second_user.acquire``; its temp folder given to it).
    """
    libc = _LIBC
    if libc is None or not hasattr(libc, "capset"):
        return None
    namespaces = route() == NAMESPACES
    keep = [os.path.realpath(writable)] if writable else []
    folders = [os.fsencode(p) for p in folders_to_hide(hide, keep)]
    covered_files = [os.fsencode(p) for p in (secret_files() if files is None else files)
                     if os.path.isfile(p)]
    spot = os.fsencode(keep[0]) if keep else None
    table = _mount_table() if namespaces else []
    needed = [os.path.realpath(p) for p in [*NEEDED, *keep] if p and os.path.isdir(p)]
    covers = []  # (temp folder, [(hole, flags)]): a fresh tmpfs, and the holes in it
    for root in temp_roots():
        if not any(_inside(root, p) for p in needed):  # e.g. the repository IS in /tmp/x
            holes = _top_most([p for p in needed if _inside(p, root)])
            covers.append((os.fsencode(root), [(os.fsencode(h), _flags_at(os.fsencode(h), table))
                                               for h in holes]))
    restrict = None
    if not namespaces:  # Landlock does what the mount namespace would have done
        restrict = landlock.restrictor(libc, landlock.rules(
            writable, hidden=[*map(os.fsdecode, folders), *map(os.fsdecode, covered_files),
                              *(os.fsdecode(root) for root, _ in covers)],
            holes=[os.fsdecode(h) for _, holes in covers for h, _ in holes],
            listable=[ROOT]))
    install_filter = seccomp.installer(libc)
    uid, gid = os.geteuid(), os.getegid()
    grader = os.getpid()
    header = _CapHeader(CAP_VERSION_3, 0)
    empty = (_CapData * 2)()
    freeze = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    thaw = _MountAttr(0, MOUNT_ATTR_RDONLY, 0, 0)
    hidden_flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
    # The parent-death signal fires when the *thread* that started the child ends: only
    # ask for it when that is the main thread (which lives as long as the grader).
    die_with_grader = threading.current_thread() is threading.main_thread()
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

    def scratch(covered: bool) -> None:
        """A small tmpfs of its own on its temp folder, holding the files the grader put
        there: a disk bomb fills only that, and what it wrote goes with the namespace.
        Where no tmpfs can be mounted, the folder itself (its own bind mount)."""
        files = []
        for name in os.listdir(spot):
            path = os.path.join(spot, name)
            if os.path.isfile(path) and os.path.getsize(path) < SCRATCH_MB << 19:
                with open(path, "rb") as f:
                    files.append((name, f.read()))
        if libc.mount(b"tmpfs", spot, b"tmpfs", MS_NOSUID | MS_NODEV, SCRATCH_OPTIONS) != 0:
            if not covered:
                libc.mount(spot, spot, None, MS_BIND | MS_REC, None)
            return
        for name, data in files:
            with open(os.path.join(spot, name), "wb") as f:
                f.write(data)

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

    def drop_powers(switch_to: int | None = None) -> None:
        libc.prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0)
        for cap in range(64):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        if switch_to is not None:  # raises if refused: never run a submission as root
            os.setgroups([])
            os.setresgid(switch_to, switch_to, switch_to)
            os.setresuid(switch_to, switch_to, switch_to)
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
            ok = namespaces and _enter_namespaces(libc, uid, gid)
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
                if spot is not None:
                    scratch(covered_spot)
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
            else:
                new_pids = False
        if mounted:
            try:
                read_only()
                if spot is not None:  # the cwd still points into the old, frozen mount
                    os.chdir(spot)
            except Exception:  # noqa: BLE001
                pass
        drop_powers(user)
        if not mounted and restrict is not None:
            try:
                restrict()
            except Exception:  # noqa: BLE001 - status() measures what held
                pass
        if install_filter is not None:
            try:  # without a PID namespace: signals only to itself (see grader.seccomp)
                install_filter(None if new_pids else os.getpid())
            except Exception:  # noqa: BLE001
                pass

    return confine


def lock_secrets(root: str = ROOT) -> list[str]:
    """Make what the sandbox hides unreadable to other users (``chmod -R go-rwx``): on
    the second-user route (root without namespaces: Gradescope) the worker's uid is
    such an other user, so this is what hides the instructor's side and the grader
    from it.  Returns the paths changed.  Gradescope's setup.sh
    runs it once, as root, when the image is built."""
    changed = []
    base = os.path.realpath(root)
    targets = [p for p in folders_to_hide() if _inside(p, base)] + secret_files()
    for target in targets:
        if os.path.islink(target):
            continue
        for folder, dirs, names in os.walk(target) if os.path.isdir(target) else [
                (os.path.dirname(target), [], [os.path.basename(target)])]:
            paths = [os.path.join(folder, n) for n in names + dirs]
            if os.path.isdir(target) and folder == target:
                paths.append(target)
            for path in paths:
                try:
                    mode = os.lstat(path).st_mode
                    if stat.S_ISLNK(mode) or not mode & 0o077:
                        continue
                    os.chmod(path, stat.S_IMODE(mode) & ~0o077)
                    changed.append(path)
                except OSError:
                    pass
    return changed


# --------------------------------------------------------------------------- status
PROPERTIES = ("secrets hidden", "disk read-only", "no network", "cannot signal the grader",
              "nothing persists")


@dataclass
class Isolation:
    """What the confinement achieved on this machine, as seen by a probe child."""

    readable: list[str] = field(default_factory=list)   # secrets the child could read
    writable: list[str] = field(default_factory=list)   # outside folders it could write
    how: str = ""                                       # "root", "user namespace", "none"
    reason: str = ""
    signals: bool = False  # it could signal the grader, or read its memory
    route: str = ""        # NAMESPACES, SECOND_USER or LIMITS_ONLY
    network: list[str] = field(default_factory=list)    # what it reached over sockets
    persists: list[str] = field(default_factory=list)   # what it left that outlived it
    landlock: int = 0      # the Landlock ABI used (routes without namespaces)

    @property
    def complete(self) -> bool:
        return not (self.readable or self.writable or self.signals or self.network
                    or self.persists)

    def holds(self) -> dict[str, bool]:
        """Each property of ``PROPERTIES``: whether it held for the probe."""
        return dict(zip(PROPERTIES, (not self.readable, not self.writable, not self.network,
                                     not self.signals, not self.persists)))

    @property
    def summary(self) -> str:
        """One staff-only line: the route and what held on it (also when complete)."""
        held = self.holds()
        return (f"isolation: {self._route_name()}; holds: "
                + (", ".join(k for k, v in held.items() if v) or "nothing")
                + "; does not hold: " + (", ".join(k for k, v in held.items() if not v)
                                         or "nothing") + ".")

    def _route_name(self) -> str:
        name = self.route or "unknown"
        if self.route == SECOND_USER:
            name += f" (uids {second_user.BASE}-{second_user.BASE + second_user.COUNT - 1})"
        if self.route != NAMESPACES and self.route:
            name += (f", Landlock ABI {self.landlock}" if self.landlock else ", no Landlock")
        return name

    @property
    def message(self) -> str:
        """Staff-only: "" when every property held, else what does not and how to fix it."""
        if self.complete:
            return ""
        what = []
        if self.readable:
            names = ", ".join(_shown(p) for p in self.readable)
            what.append(f"submissions can read {names} (so one can copy the reference "
                        "solution and score full marks, or the hidden tests)")
        if self.writable:
            names = ", ".join(_shown(p) for p in self.writable)
            what.append(f"submissions can write {names} (the repository, installed "
                        "packages, output folders, other students' results: wherever the "
                        "grader can)")
            if self.route == LIMITS_ONLY and os.geteuid() == 0:
                what.append("they run as root (without capabilities, but owning every file "
                            "root owns: system files included)")
        if self.network:
            what.append("submissions can open network connections ("
                        + ", ".join(self.network) + ")")
        if self.signals:
            what.append("submissions can see and signal the grader's processes or read "
                        "their memory (stop or kill the grading, change its verdicts)")
        if self.persists:
            what.append("what a submission leaves outlives its grading ("
                        + ", ".join(self.persists) + "), so it can reach the next one")
        held = [k for k, v in self.holds().items() if v]
        return ("WARNING: grading isolation is incomplete on this machine (route: "
                f"{self._route_name()}; holds: {', '.join(held) or 'nothing'}): "
                + "; ".join(what) + f". Why: {self.reason} Scores of this run cannot be "
                "trusted against a hostile submission. To fix it: " + self._fix())

    def _fix(self) -> str:
        if self.route == SECOND_USER:
            steps = []
            if self.readable:
                steps.append("make the hidden folders unreadable to other users: as root, "
                             "`chmod -R go-rwx " + " ".join(_shown(p) for p in self.readable)
                             + "` (grader.confine.lock_secrets() does it; the Gradescope "
                             "bundle's setup.sh runs it)")
            if self.writable:
                steps.append("make them writable by root only: `chmod -R go-w "
                             + " ".join(_shown(p) for p in self.writable) + "`")
            if self.network or self.signals or self.persists:
                steps.append("use a kernel with seccomp filters (and Landlock, Linux 5.13+), "
                             "or allow user namespaces")
            return "; ".join(steps) + "."
        return ("grade from the Gradescope bundle (make autograder; unzip "
                "dist/autograder.zip into a fresh folder, make install there and grade from "
                "that copy: it holds no solution and no catalogs) or from a copy of the "
                "repository without instructor/ and .git; or allow unprivileged user "
                "namespaces (sysctl user.max_user_namespaces=10000, and on Ubuntu 24.04 "
                "kernel.apparmor_restrict_unprivileged_userns=0), or grade as root (with "
                "CAP_SYS_ADMIN: namespaces; without: a second user per worker), or on a "
                "kernel with Landlock (Linux 5.13+).")


def _shown(path: str) -> str:
    return os.path.relpath(path, ROOT) if _inside(path, ROOT) and path != ROOT else path


_PROBE = r"""
import json, os, socket, sys, time
args = json.loads(sys.argv[1])


def readable(folder):
    looked = 0
    for root, dirs, files in os.walk(folder):
        for name in files:
            looked += 1
            try:
                with open(os.path.join(root, name), "rb") as f:
                    f.read(1)
                return True
            except OSError:
                if looked > 50:
                    return False
    return False


seen = [p for p in args["secrets"] if readable(p)]
for p in args["files"]:
    try:
        with open(p, "rb") as f:
            if f.read(1):
                seen.append(p)
    except OSError:
        pass
signals = False
try:
    os.kill(args["grader"], 0)
    signals = True
except OSError:
    pass
try:
    with open("/proc/%d/mem" % args["grader"], "rb"):
        signals = True
except OSError:
    pass
wrote = []
for folder in args["outside"]:
    target = os.path.join(folder, "probe-%d" % os.getpid())
    try:
        with open(target, "w") as f:
            f.write("x")
        wrote.append(folder)
        os.unlink(target)
    except OSError:
        try:  # its mode, set to what it is: allowed means any mode could be set
            os.chmod(folder, os.stat(folder).st_mode & 0o7777)
            wrote.append(folder)
        except OSError:
            pass
net = []
for name, family, address in (("TCP to 127.0.0.1", socket.AF_INET, ("127.0.0.1", args["port"])),
                              ("an abstract unix socket", socket.AF_UNIX, args["abstract"])):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(address)
        s.sendall(b"probe")
        s.close()
        net.append(name)
    except (OSError, ValueError):
        pass
left = []
for folder in args["shared"]:
    try:
        with open(os.path.join(folder, args["marker"]), "w") as f:
            f.write("left by the confinement probe")
        left.append(folder)
    except OSError:
        pass
if os.fork() == 0:  # a process that would like to outlive the probe (bounded)
    fd = os.open(os.devnull, os.O_RDWR)
    for i in range(3):
        os.dup2(fd, i)
    try:
        os.setsid()
    except OSError:
        pass
    time.sleep(args["linger"])
    os._exit(0)
with open("/proc/self/uid_map") as f:
    mapped = f.read().split()
print(json.dumps({"seen": seen, "wrote": wrote, "mnt": os.readlink("/proc/self/ns/mnt"),
                  "signals": signals, "net": net, "left": left, "pid": os.getpid(),
                  "user": os.readlink("/proc/self/ns/user"), "map": mapped}))
"""
PROBE_LINGER = 30  # s the probe's lingering child sleeps (if nothing kills it)


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
    if _ROUTE_PROBLEM:
        why += " A second user per worker was not possible: " + " ".join(_ROUTE_PROBLEM)
    return why


def processes_with(marker: str) -> list[int]:
    """Pids of the processes whose command line holds ``marker`` (a worker's temp folder)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(int(name))
            except OSError:
                pass
    return found


def _listeners():
    """A TCP listener on 127.0.0.1 and an abstract unix one, for the probe to reach."""
    import secrets
    import socket

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(4)
    tcp.setblocking(False)
    name = "\0hw3-confine-probe-" + secrets.token_hex(6)
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(name)
    unix.listen(4)
    unix.setblocking(False)
    return tcp, unix, name


def _arrived(*listeners) -> list[str]:
    got = []
    for what, sock in listeners:
        try:
            conn, _ = sock.accept()
            conn.close()
            got.append(what)
        except OSError:
            pass
    return got


@functools.cache
def status() -> Isolation:
    """Confine a probe child exactly as the sandbox does and see what it can reach."""
    import secrets
    import signal as signals
    import sysconfig

    way = route()
    work = tempfile.mkdtemp(prefix="hw3-confine-probe-")
    # (folders holding the probe's own, as a sandbox's folder, are not hidden: where
    # they are shared temp folders, the child sees in them only the way to its own)
    hidden = folders_to_hide(keep=[work])
    secret = [p for p in hidden if _readable_content(p)]
    files = [p for p in secret_files() if os.path.getsize(p)]
    outside = tempfile.mkdtemp(prefix="hw3-confine-outside-")
    site = sysconfig.get_paths().get("purelib", "")
    targets = [outside, ROOT, *(os.path.join(ROOT, n) for n in SANDBOX_VISIBLE),
               *([site] if os.path.isdir(site) else []), os.path.expanduser("~")]
    shared = second_user.shared_folders()  # (what is left there: ``persists``)
    targets = [t for i, t in enumerate(targets) if os.path.isdir(t) and t not in targets[:i]
               and os.path.realpath(t) not in shared]
    marker = "hw3-confine-probe-left-" + secrets.token_hex(6)
    user = second_user.acquire() if way == SECOND_USER else None
    landlock_abi = landlock.abi() if way != NAMESPACES else 0
    pid_r, pid_w = os.pipe()
    tcp = unix = None
    proc = None
    try:
        tcp, unix, abstract = _listeners()
        if user is not None:
            user.give(work)
        args = {"secrets": secret, "files": files, "outside": targets, "grader": os.getpid(),
                "port": tcp.getsockname()[1], "abstract": abstract, "shared": shared,
                "marker": marker, "linger": PROBE_LINGER}
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _PROBE, json.dumps(args)],
            cwd=work, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": work},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
            preexec_fn=confiner(writable=work, pid_fd=pid_w,
                                user=user.uid if user is not None else None))
        out, _ = proc.communicate(timeout=60)
        seen = json.loads(out.strip().splitlines()[-1])
    except (OSError, ValueError, IndexError, subprocess.SubprocessError) as err:
        return Isolation(secret + files, [outside], "none",
                         f"the confinement probe could not run ({err}).", True, way,
                         landlock=landlock_abi)
    finally:
        if proc is not None:  # as the sandbox stops a worker: its group, its uid
            try:
                os.killpg(proc.pid, signals.SIGKILL)
            except OSError:
                pass
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if user is not None:
            user.release()
        net = _arrived(("TCP to 127.0.0.1", tcp), ("an abstract unix socket", unix)) \
            if tcp is not None else []
        for sock in (tcp, unix):
            if sock is not None:
                sock.close()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
        os.close(pid_r)
        os.close(pid_w)
    persists = [f"a file in {p}" for p in shared if os.path.exists(os.path.join(p, marker))]
    for _ in range(20):  # a SIGKILLed process may take a moment to go
        lingering = processes_with(marker)
        if not lingering:
            break
        time.sleep(0.05)
    if lingering:
        persists.append("a process")
    for pid in lingering:  # the measurement's own leftovers
        try:
            os.kill(pid, signals.SIGKILL)
        except OSError:
            pass
    for folder in shared:
        try:
            os.unlink(os.path.join(folder, marker))
        except OSError:
            pass
    own_mnt = os.readlink("/proc/self/ns/mnt")
    own_user = os.readlink("/proc/self/ns/user")
    how = ("none" if seen["mnt"] == own_mnt else
           "user namespace" if seen["user"] != own_user else "root")
    name = "other graders' temp folders"
    result = Isolation([name if p == outside else p for p in seen["seen"]],
                       ["the output folder" if p == outside else p for p in seen["wrote"]], how,
                       signals=bool(seen.get("signals", True)), route=way,
                       network=sorted(set(net) | set(seen.get("net", []))),
                       persists=persists, landlock=landlock_abi)
    if not result.complete:
        result.reason = _reason() if how == "none" else (
            f"the private mount namespace ({how}) was made, but covering or freezing "
            "folders in it, making a PID or network namespace, or the seccomp filter, "
            "failed.")
    return result


def _readable_content(folder: str) -> bool:
    try:
        return bool(os.listdir(folder))
    except OSError:
        return False
