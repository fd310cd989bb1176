"""Landlock for the sandboxed child where namespaces are refused (Linux >= 5.13).

Landlock needs no privilege and no namespace (only no_new_privs), and Docker's and
Podman's default seccomp profiles allow it, so it works in the places that refuse
user namespaces: Gradescope's container, a locked-down cluster node.  There it gives
the child what the mount namespace gives it elsewhere:

* it reads files only outside the folders ``grader.confine`` hides (the instructor's
  side, the grader, the catalogs, other graders' temp folders, the class's other
  submissions, the gold word classes): the names in the repository's folders stay
  listable (Python lists the repository to import from it), their contents do not;
* it writes, creates and removes only in its own temp folder (and writes /dev/null);
* it cannot ptrace or read the memory of any process outside its own Landlock
  domain (the grader, other workers), whatever their user;
* with ABI >= 4, no TCP bind or connect; with ABI >= 6, no signal to a process
  outside its domain and no abstract unix socket outside it.

The rules are computed in the parent (``rules``: a walk down to the hidden folders),
the child only opens each path and adds it (``restrictor``).
"""

from __future__ import annotations

import ctypes
import functools
import os
import stat

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 16, 32, 64, 128, 256
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 512, 1024, 2048, 4096
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # allowed on files


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


LIBC = _LIBC = _libc()


@functools.cache
def abi() -> int:
    """The Landlock ABI version this kernel offers to this process (0: none, or refused
    by a seccomp profile or the kernel's configuration)."""
    if _LIBC is None:
        return 0
    version = _LIBC.syscall(SYS_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    return max(0, version)


def handled_fs(version: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def read_roots(hidden, holes=()) -> list[str]:
    """The top-most paths whose every file the child may read: all of the file system
    but ``hidden`` (real paths), walking down only through the folders above one of
    them; ``holes``: paths inside a hidden folder that stay readable (the repository or
    the Python installation, when they live in a temp folder)."""
    hidden = {os.path.realpath(h) for h in hidden}
    found: list[str] = []

    def walk(path: str) -> None:
        if path in hidden:
            return
        if not any(_inside(h, path) and h != path for h in hidden):
            found.append(path)
            return
        try:
            entries = list(os.scandir(path))
        except OSError:
            return
        for entry in entries:
            if not entry.is_symlink():  # reached through its real path, if at all
                walk(entry.path)

    walk("/")
    for hole in holes:
        walk(os.path.realpath(hole))
    return found


@functools.lru_cache(maxsize=16)
def _read_roots(hidden: tuple, holes: tuple) -> list[str]:
    return read_roots(hidden, holes)  # the same for every worker of a grader


def rules(writable: str | None, hidden, holes=(), listable=()) -> list[tuple[bytes, str]]:
    """(path, kind) for the child: "read" below each readable root, "list" (names only)
    for ``listable`` folders, "write" for its own temp folder, "null" for /dev/null."""
    out = [(os.fsencode(p), "read") for p in _read_roots(tuple(hidden), tuple(holes))]
    out += [(os.fsencode(os.path.realpath(p)), "list") for p in listable if os.path.isdir(p)]
    if writable:
        out.append((os.fsencode(os.path.realpath(writable)), "write"))
    if os.path.exists("/dev/null"):
        out.append((b"/dev/null", "null"))
    return out


def restrictor(libc, path_rules: list[tuple[bytes, str]]):
    """A function for the child (after no_new_privs): restrict it to ``path_rules``,
    no TCP and scoped signals and abstract sockets where the ABI has them.  Returns
    the ABI version enforced (0 if Landlock is missing or refused).  None without
    Landlock here."""
    version = abi()
    if libc is None or version < 1:
        return None
    fs = handled_fs(version)
    net = NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0
    attr = _RulesetAttr(fs, net, scoped)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    read = (EXECUTE | READ_FILE | READ_DIR) & fs
    rights = {"read": read, "list": READ_DIR, "write": fs,
              "null": (READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV) & fs}
    flags = os.O_PATH | os.O_CLOEXEC

    def restrict() -> int:
        ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
        if ruleset < 0:
            return 0
        try:
            for path, kind in path_rules:
                try:
                    fd = os.open(path, flags)
                except OSError:
                    continue
                try:
                    allowed = rights[kind]
                    if not stat.S_ISDIR(os.fstat(fd).st_mode):
                        allowed &= FILE_RIGHTS
                    beneath = _PathBeneath(allowed, fd)
                    libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH,
                                 ctypes.byref(beneath), 0)
                finally:
                    os.close(fd)
            if libc.syscall(SYS_RESTRICT_SELF, ruleset, 0) != 0:
                return 0
            return version
        finally:
            os.close(ruleset)

    return restrict
