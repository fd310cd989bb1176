"""The sandbox's seccomp filter (grader/seccomp.py): no sockets, nothing that outlives a
process, and Python with numpy still runs under it."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys

import pytest

from grader import seccomp

pytestmark = pytest.mark.skipif(seccomp.machine() is None,
                                reason="the filter is written for x86_64 and aarch64 only")
LIBC = ctypes.CDLL(None, use_errno=True)


def run_filtered(code: str, own_pid: bool = False) -> dict:
    """Run ``code`` (which prints one JSON line) in a child under the filter."""
    install = seccomp.installer(LIBC)

    def before_exec():
        LIBC.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
        if not install(os.getpid() if own_pid else None):
            raise OSError("the filter was not installed")

    proc = subprocess.run([sys.executable, "-I", "-c", code], preexec_fn=before_exec,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


TRY = """
import errno, json, os, socket
def attempt(fn):
    try:
        fn()
        return "allowed"
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))
"""


def test_socket_is_refused_for_every_family_and_numpy_still_computes():
    got = run_filtered(TRY + """
import numpy as np
kinds = {"inet stream": (socket.AF_INET, socket.SOCK_STREAM),
         "inet dgram": (socket.AF_INET, socket.SOCK_DGRAM),
         "inet6 stream": (socket.AF_INET6, socket.SOCK_STREAM),
         "inet6 dgram": (socket.AF_INET6, socket.SOCK_DGRAM),
         "unix stream": (socket.AF_UNIX, socket.SOCK_STREAM),
         "unix dgram": (socket.AF_UNIX, socket.SOCK_DGRAM),
         "netlink": (socket.AF_NETLINK, socket.SOCK_RAW),
         "packet": (socket.AF_PACKET, socket.SOCK_RAW)}
out = {k: attempt(lambda f=f, t=t: socket.socket(f, t).close()) for k, (f, t) in kinds.items()}
out["numpy"] = float(np.linalg.norm(np.ones((3, 4)) @ np.ones(4)))
print(json.dumps(out))
""")
    assert got.pop("numpy") == pytest.approx(12 ** 0.5 * 2)
    assert got == dict.fromkeys(got, "EACCES") and len(got) == 8, got


def test_only_stream_socketpairs_are_allowed():
    """A datagram pair could sendto() any unix socket by its address; a stream pair
    reaches only its other end."""
    got = run_filtered(TRY + """
def stream():
    a, b = socket.socketpair()
    a.sendall(b"x")
    assert b.recv(1) == b"x"
print(json.dumps({"stream": attempt(stream),
                  "dgram": attempt(lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)),
                  "seqpacket": attempt(lambda: socket.socketpair(socket.AF_UNIX,
                                                                 socket.SOCK_SEQPACKET))}))
""")
    assert got == {"stream": "allowed", "dgram": "EACCES", "seqpacket": "EACCES"}, got


def test_namespaces_io_uring_ipc_keyrings_and_ptrace_are_refused_but_fork_works():
    got = run_filtered(TRY + """
import ctypes, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    number = {"x86_64": {"io_uring_setup": 425, "shmget": 29, "add_key": 248, "ptrace": 101,
                         "clone3": 435, "unshare": 272},
              "aarch64": {"io_uring_setup": 425, "shmget": 194, "add_key": 217, "ptrace": 117,
                          "clone3": 435, "unshare": 97}}[os.uname().machine][name]
    if libc.syscall(number, *args) == -1:
        raise OSError(ctypes.get_errno(), name)
params = ctypes.create_string_buffer(120)
out = {"unshare user": attempt(lambda: call("unshare", 0x10000000)),
       "unshare net": attempt(lambda: call("unshare", 0x40000000)),
       "clone3": attempt(lambda: call("clone3", None, 0)),
       "io_uring": attempt(lambda: call("io_uring_setup", 8, params)),
       "shmget": attempt(lambda: call("shmget", 0, 4096, 0o1600)),
       "add_key": attempt(lambda: call("add_key", b"user", b"k", b"v", 1, -4)),
       "ptrace": attempt(lambda: call("ptrace", 16, os.getppid(), 0, 0))}
pid = os.fork()
if pid == 0:
    os._exit(7)
out["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
out["subprocess"] = subprocess.run([sys.executable, "-c", "print(6 * 7)"],
                                   capture_output=True, text=True).stdout.strip()
print(json.dumps(out))
""")
    assert got == {"unshare user": "EPERM", "unshare net": "EPERM", "clone3": "ENOSYS",
                   "io_uring": "EPERM", "shmget": "EPERM", "add_key": "EPERM",
                   "ptrace": "EPERM", "fork": 7, "subprocess": "42"}, got


def test_without_a_pid_namespace_signals_reach_only_the_process_itself():
    got = run_filtered(TRY + """
import signal
out = {"parent": attempt(lambda: os.kill(os.getppid(), 0)),
       "everyone": attempt(lambda: os.kill(-1, 0)),
       "itself": attempt(lambda: os.kill(os.getpid(), 0)),
       "its group": attempt(lambda: os.kill(0, 0)),
       "setsid": attempt(os.setsid),
       "setpgid": attempt(lambda: os.setpgid(0, 0))}
print(json.dumps(out))
""", own_pid=True)
    assert got == {"parent": "EPERM", "everyone": "EPERM", "itself": "allowed",
                   "its group": "allowed", "setsid": "EPERM", "setpgid": "EPERM"}, got


@pytest.mark.skipif(seccomp.machine() != "x86_64", reason="the x32 ABI is x86_64's")
def test_x32_system_calls_are_refused():
    """socket() through the x32 ABI (number | 0x40000000, same architecture tag) must
    not slip past the table of x86_64 numbers."""
    got = run_filtered(TRY + """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall(41 | 0x40000000, 2, 1, 0)
print(json.dumps({"x32 socket": ctypes.get_errno()}))
""")
    assert got == {"x32 socket": 1}, got  # EPERM from the filter (ENOSYS without it)


@pytest.mark.parametrize("arch", sorted(seccomp.AUDIT_ARCH))
def test_the_program_assembles_for_each_architecture(arch):
    for pid in (None, 4242):
        program = seccomp.program(pid, arch=arch)
        assert program and len(program) % 8 == 0 and len(program) // 8 < 4096
