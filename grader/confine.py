"""Take root's powers away from the sandboxed child (Linux; best effort).

Run as root (Gradescope, containers), resource limits alone do not hold: root may
raise its own limits again, ignores RLIMIT_NPROC, and reads every file.  So, in the
child between fork and exec:

1. a private mount namespace in which the hidden rubric, the reference solution and
   the catalogs are covered by empty read-only tmpfs mounts (the submission cannot
   read the hidden tests, or copy the solution);
2. securebits NOROOT (locked), an empty capability bounding set and empty
   capabilities: the child stays uid 0 but can no longer raise limits, mount,
   bypass file permissions of other users, or regain powers by exec.

For ordinary users nothing here is needed for the limits (they cannot raise hard
limits, and RLIMIT_NPROC counts them); the files to hide are then only as private
as their permissions make them.
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REC, MS_PRIVATE = 1 << 14, 1 << 18
PR_CAPBSET_DROP, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 24, 28, 38
# NOROOT | NOROOT_LOCKED | NO_SETUID_FIXUP | NO_SETUID_FIXUP_LOCKED | KEEP_CAPS_LOCKED
SECUREBITS = 0x2F
CAP_VERSION_3 = 0x20080522

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDE = [os.path.join(ROOT, "grader", "rubric", "hidden"),
        os.path.join(ROOT, "grader", "solution"),
        os.path.join(ROOT, "grader", "catalog")]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _libc():
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def confiner(hide=None):
    """A function for the child (between fork and exec); None when not root."""
    if os.geteuid() != 0 or _LIBC is None or not hasattr(_LIBC, "capset"):
        return None
    folders = [os.fsencode(p) for p in (HIDE if hide is None else hide) if os.path.isdir(p)]
    libc = _LIBC
    header = _CapHeader(CAP_VERSION_3, 0)
    empty = (_CapData * 2)()

    def confine() -> None:
        if folders and libc.unshare(CLONE_NEWNS) == 0:
            libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
            for folder in folders:
                libc.mount(b"tmpfs", folder, b"tmpfs",
                           MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, b"size=4k,mode=555")
        libc.prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0)
        for cap in range(64):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        libc.capset(ctypes.byref(header), empty)

    return confine
