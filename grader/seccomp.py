"""A seccomp filter for the sandboxed child: no sockets, no way around that, on every route.

Installed by ``grader.confine`` in the child right before exec (no_new_privs is set
by then, so no privilege is needed), whatever else the machine allows: with network
namespaces it is defence in depth; where namespaces are refused (Gradescope's
container, a locked-down node) it is what keeps a submission off the network.  The
program is classic BPF written here by hand (no dependency), for x86_64 and aarch64
only; any other architecture of the running process (a 32-bit ``int 0x80`` call on
x86_64, the x32 ABI) is refused outright.  It refuses:

* ``socket()`` of every family (EACCES): TCP and UDP over IPv4 and IPv6, unix
  sockets (abstract ones, and those with a path, which a network namespace does
  not separate), netlink, packet;
* ``socketpair()`` except stream pairs (a datagram pair could ``sendto`` any unix
  socket by address); a stream pair can reach nothing but its other end;
* io_uring (which opens and connects sockets without those system calls), taking a
  descriptor from another process (``pidfd_getfd``), ptrace and
  ``process_vm_readv/writev``;
* namespaces of its own (``unshare``, ``clone`` with a CLONE_NEW* flag, ``setns``;
  ``clone3``, whose flags the filter cannot see, says it does not exist, and the C
  library falls back to ``clone``): they are none of an op's business and a large
  part of the kernel's attack surface;
* changing modes or owners (chmod, chown and their kin): Landlock, where it stands in
  for the read-only mounts, does not cover them, and an op never needs them;
* what outlives a process and would let one submission leave something for the next:
  SysV shared memory, semaphores and message queues, POSIX message queues, keyrings;
* with ``own_pid`` (the routes without a PID namespace of its own): signals to any
  process but itself (``kill(-1)`` would reach the grader where it runs as the same
  user), pidfds, and ``setsid``/``setpgid``, so every process the submission makes
  stays in the process group the sandbox kills.

Python and numpy start and run under it (they use none of this).
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct
import sys

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
NR, ARCH = 0, 4


def ARG(i: int) -> int:  # the low 32 bits of argument i (little-endian)
    return 16 + 8 * i


AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000
SYSCALLS = {  # the numbers this filter names, per architecture (asm/unistd*.h)
    "x86_64": {"socket": 41, "socketpair": 53, "kill": 62, "tkill": 200, "tgkill": 234,
               "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297, "pidfd_send_signal": 424,
               "pidfd_open": 434, "pidfd_getfd": 438, "ptrace": 101,
               "process_vm_readv": 310, "process_vm_writev": 311, "io_uring_setup": 425,
               "io_uring_enter": 426, "io_uring_register": 427, "shmget": 29, "semget": 64,
               "msgget": 68, "mq_open": 240, "add_key": 248, "request_key": 249,
               "keyctl": 250, "setsid": 112, "setpgid": 109, "unshare": 272, "clone": 56,
               "clone3": 435, "setns": 308, "chmod": 90, "fchmod": 91, "fchmodat": 268,
               "fchmodat2": 452, "chown": 92, "fchown": 93, "lchown": 94, "fchownat": 260},
    "aarch64": {"socket": 198, "socketpair": 199, "kill": 129, "tkill": 130, "tgkill": 131,
                "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240, "pidfd_send_signal": 424,
                "pidfd_open": 434, "pidfd_getfd": 438, "ptrace": 117,
                "process_vm_readv": 270, "process_vm_writev": 271, "io_uring_setup": 425,
                "io_uring_enter": 426, "io_uring_register": 427, "shmget": 194,
                "semget": 190, "msgget": 186, "mq_open": 180, "add_key": 217,
                "request_key": 218, "keyctl": 219, "setsid": 157, "setpgid": 154,
                "unshare": 97, "clone": 220, "clone3": 435, "setns": 268, "fchmod": 52,
                "fchmodat": 53, "fchmodat2": 452, "fchown": 55, "fchownat": 54},
}
REFUSED = ("pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev",
           "io_uring_setup", "io_uring_enter", "io_uring_register", "shmget", "semget",
           "msgget", "mq_open", "add_key", "request_key", "keyctl", "setns",
           "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat")
# CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
NAMESPACE_FLAGS = 0x7E020080
SIGNALS_TO_SELF = ("tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
NO_PID_NAMESPACE_REFUSED = ("pidfd_send_signal", "pidfd_open", "setsid", "setpgid")
SOCK_STREAM, SOCK_TYPE_MASK = 1, 0xF

# classic BPF
LD_W_ABS, ALU_AND_K = 0x20, 0x54
JEQ_K, JGE_K, JSET_K, RET_K = 0x15, 0x35, 0x45, 0x06
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


def machine() -> str | None:
    """The architecture the filter is written for, None if it has no table here."""
    name = platform.machine().lower()
    name = {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name)
    if name not in AUDIT_ARCH or sys.byteorder != "little" or sys.maxsize < 2 ** 32:
        return None
    return name


def program(own_pid: int | None = None, arch: str | None = None) -> bytes | None:
    """The filter as bytes of ``struct sock_filter`` (None on an unknown architecture).
    ``own_pid``: refuse signals but to this process, and setsid/setpgid (see above)."""
    arch = arch or machine()
    if arch is None:
        return None
    nrs = SYSCALLS[arch]
    code: list[tuple] = []  # (op, k, true-label, false-label) or (op, k) or ("label", name)

    def label(name):
        code.append(("label", name))

    def ret(value):
        code.append((RET_K, value))

    def load(offset):
        code.append((LD_W_ABS, offset))

    def jump_if(value, to, op=JEQ_K):  # fall through when false
        code.append((op, value, to, None))

    eperm, eacces = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.EACCES
    load(ARCH)
    jump_if(AUDIT_ARCH[arch], "native")
    ret(eperm)  # another ABI (i386 on x86_64, arm32 on aarch64): nothing is allowed
    label("native")
    load(NR)
    if arch == "x86_64":
        jump_if(X32_SYSCALL_BIT, "refuse", JGE_K)
    jump_if(nrs["socket"], "no-socket")
    jump_if(nrs["socketpair"], "pair")
    jump_if(nrs["unshare"], "namespaces")
    jump_if(nrs["clone"], "namespaces")
    jump_if(nrs["clone3"], "no-clone3")
    for name in REFUSED:
        if name in nrs:  # (aarch64 has only the *at and f* forms of chmod and chown)
            jump_if(nrs[name], "refuse")
    if own_pid is not None:
        jump_if(nrs["kill"], "kill")
        for name in SIGNALS_TO_SELF:
            jump_if(nrs[name], "to-self")
        for name in NO_PID_NAMESPACE_REFUSED:
            jump_if(nrs[name], "refuse")
    ret(RET_ALLOW)
    label("namespaces")  # unshare(flags), clone(flags, ...): no namespace of its own
    load(ARG(0))
    jump_if(NAMESPACE_FLAGS, "refuse", JSET_K)
    ret(RET_ALLOW)
    label("no-clone3")  # its flags are in memory, out of the filter's sight: "no such
    ret(RET_ERRNO | errno.ENOSYS)  # call", and the C library falls back to clone
    label("refuse")
    ret(eperm)
    label("no-socket")
    ret(eacces)
    label("pair")  # socketpair(domain, type, protocol, sv): stream pairs only
    load(ARG(1))
    code.append((ALU_AND_K, SOCK_TYPE_MASK))
    jump_if(SOCK_STREAM, "allow")
    ret(eacces)
    if own_pid is not None:
        me = own_pid & 0xFFFFFFFF
        label("kill")  # kill(pid, sig): itself, its own process group (0 or -pgid)
        load(ARG(0))
        jump_if(me, "allow")
        jump_if(0, "allow")
        jump_if(-own_pid & 0xFFFFFFFF, "allow")
        ret(eperm)
        label("to-self")  # tgkill(tgid, ...), tkill(tid, ...): its own main thread
        load(ARG(0))
        jump_if(me, "allow")
        ret(eperm)
    label("allow")
    ret(RET_ALLOW)
    return _assemble(code)


def _assemble(code: list[tuple]) -> bytes:
    where, n = {}, 0
    for item in code:
        if item[0] == "label":
            where[item[1]] = n
        else:
            n += 1
    out, i = [], 0
    for item in code:
        if item[0] == "label":
            continue
        if len(item) == 4:
            op, k, true, false = item
            jt = where[true] - i - 1
            jf = 0 if false is None else where[false] - i - 1
            if not (0 <= jt < 256 and 0 <= jf < 256):
                raise ValueError("seccomp program: jump out of range")
            out.append(struct.pack("=HBBI", op, jt, jf, k))
        else:
            out.append(struct.pack("=HBBI", item[0], 0, 0, item[1]))
        i += 1
    return b"".join(out)


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def installer(libc, own_pid: int | None = None):
    """A function for the child (after no_new_privs) that installs the filter and
    returns True if it took; None when there is no filter for this machine.  Built
    in the parent, so the child only makes one system call (``own_pid`` is patched
    in by ``install(pid)`` when it is only known in the child)."""
    if machine() is None or libc is None:
        return None
    program(None), program(1)  # a mistake in the program shows here, not in the child

    def install(pid: int | None = own_pid) -> bool:
        data = program(pid)
        buf = ctypes.create_string_buffer(data, len(data))
        prog = _Prog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
        return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0

    return install
