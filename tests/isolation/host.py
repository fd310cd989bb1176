"""Run a command as if on a host that refuses namespaces (for the isolation tests).

    python tests/isolation/host.py [--no-landlock] [--user UID] -- COMMAND [ARGS...]

What Gradescope's Docker container does to its root process, done here to this
process before it execs COMMAND (it must start as root):

* a seccomp filter refuses ``unshare``, ``clone`` and ``setns`` with any CLONE_NEW*
  flag (EPERM) and ``clone3`` (ENOSYS, so the C library falls back to ``clone``), as
  Docker's default profile does for a process without CAP_SYS_ADMIN;
* the capabilities are cut down to Docker's default set (no CAP_SYS_ADMIN, no
  CAP_SYS_PTRACE, ...), bounding set included;
* the cgroup file systems are read-only (in a mount namespace of its own, made
  first), as in a container.

``--no-landlock``: ``landlock_*`` fail with ENOSYS too (an older kernel or seccomp
profile).  ``--user UID``: then become UID with no groups (an ordinary user on a
locked-down cluster node).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from grader import seccomp  # noqa: E402

NAMESPACE_FLAGS = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
NUMBERS = {"x86_64": {"unshare": 272, "clone": 56, "clone3": 435, "setns": 308},
           "aarch64": {"unshare": 97, "clone": 220, "clone3": 435, "setns": 268}}
LANDLOCK = (444, 445, 446)
# Docker's default capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
# SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
DOCKER_CAPS = (0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31)
JSET_K = 0x45


def program(no_landlock: bool) -> bytes:
    arch = seccomp.machine()
    nrs = NUMBERS[arch]
    eperm = seccomp.RET_ERRNO | 1
    enosys = seccomp.RET_ERRNO | 38
    code = [(seccomp.LD_W_ABS, seccomp.ARCH), (seccomp.JEQ_K, seccomp.AUDIT_ARCH[arch], "native", None),
            (seccomp.RET_K, seccomp.RET_ALLOW), ("label", "native"),
            (seccomp.LD_W_ABS, seccomp.NR),
            (seccomp.JEQ_K, nrs["unshare"], "flags", None),
            (seccomp.JEQ_K, nrs["clone"], "flags", None),
            (seccomp.JEQ_K, nrs["setns"], "refuse", None),
            (seccomp.JEQ_K, nrs["clone3"], "nosys", None)]
    if no_landlock:
        code += [(seccomp.JEQ_K, nr, "nosys", None) for nr in LANDLOCK]
    code += [(seccomp.RET_K, seccomp.RET_ALLOW),
             ("label", "flags"), (seccomp.LD_W_ABS, seccomp.ARG(0)),
             (JSET_K, NAMESPACE_FLAGS, "refuse", None), (seccomp.RET_K, seccomp.RET_ALLOW),
             ("label", "refuse"), (seccomp.RET_K, eperm),
             ("label", "nosys"), (seccomp.RET_K, enosys)]
    return seccomp._assemble(code)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="host.py")
    parser.add_argument("--no-landlock", action="store_true")
    parser.add_argument("--user", type=int)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if os.geteuid() != 0 or not command:
        print("host.py: needs root and a command", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    # read-only cgroup file systems, in a mount namespace of this process's own
    if libc.unshare(0x00020000) == 0:
        libc.mount(b"none", b"/", None, (1 << 14) | (1 << 18), None)  # MS_REC | MS_PRIVATE
        attr = (ctypes.c_uint64 * 4)(1, 0, 0, 0)  # MOUNT_ATTR_RDONLY
        libc.syscall(442, -100, b"/sys/fs/cgroup", 0x8000, attr, 32)  # AT_RECURSIVE
    data = program(args.no_landlock)
    buf = ctypes.create_string_buffer(data, len(data))
    prog = seccomp._Prog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(seccomp.PR_SET_SECCOMP, seccomp.SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0):
        print("host.py: the seccomp filter was refused", file=sys.stderr)
        return 2
    keep = sum(1 << c for c in DOCKER_CAPS)
    for cap in range(64):
        if not keep >> cap & 1:
            libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP
    from grader.confine import CAP_VERSION_3, _CapData, _CapHeader

    header = _CapHeader(CAP_VERSION_3, 0)
    caps = (_CapData * 2)((keep, keep, 0), (0, 0, 0))
    if libc.capset(ctypes.byref(header), caps) != 0:
        print("host.py: capset failed", file=sys.stderr)
        return 2
    if args.user is not None:
        os.setgroups([])
        os.setresgid(args.user, args.user, args.user)
        os.setresuid(args.user, args.user, args.user)
    os.execvp(command[0], command)
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
