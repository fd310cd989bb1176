"""What the isolation tests share: listeners, snapshots of the world, a Python anyone can
run, a fake /autograder tree, and the hostile submissions with their expectations."""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
HOST = HERE / "host.py"
DRIVE = HERE / "drive.py"
sys.path.insert(0, str(ROOT / "tests" / "catalog"))
import build  # noqa: E402  (tests/catalog/build.py: the hostile entries live in the catalog)

# The catalog's hostile entries that these tests grade (with their listeners, in a
# memory cgroup and on simulated hosts) rather than tests/grader/test_catalogs.py.
EXPECTED = {name: meta for name, meta in build.EXPECTED["hostile"].items()
            if meta.get("graded_in") == "tests/isolation"}
NETWORK = "network_exfiltration_sigmoid_forward"
OPS = ("sigmoid", "log", "multiply", "dot")
# What the poisoning entries leave if they get through (names no one else uses).
PLANTED_NAMES = ("hw3-isolation-poison.pth", "hw3_isolation_poison.py", "sitecustomize.py",
                 "usercustomize.py", "hw3-disk-bomb-0.bin")


def hostile_names() -> list[str]:
    return sorted(EXPECTED)


def write_submission(name: str, path: Path) -> Path:
    """The complete ops.py of hostile entry ``name`` (tests/catalog/build.py), at ``path``."""
    path.write_text(build.source("hostile", name))
    return path


# --------------------------------------------------------------------------- network
class Listeners:
    """Listeners on TCP 127.0.0.1 and ::1, UDP 127.0.0.1 and ::1, abstract unix stream
    and datagram sockets and a unix socket with a path (in a folder beside the
    repository, open to everyone); a thread records every connection and datagram."""

    def __init__(self):
        self.received: list[tuple[str, int]] = []  # (listener, bytes)
        self.sockets: dict[str, socket.socket] = {}
        self.folder = tempfile.mkdtemp(prefix="hw3-isolation-listen-", dir=ROOT.parent)
        os.chmod(self.folder, 0o755)
        tag = os.path.basename(self.folder)
        specs = [("tcp4", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0)),
                 ("tcp6", socket.AF_INET6, socket.SOCK_STREAM, ("::1", 0)),
                 ("udp4", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0)),
                 ("udp6", socket.AF_INET6, socket.SOCK_DGRAM, ("::1", 0)),
                 ("abstract", socket.AF_UNIX, socket.SOCK_STREAM, f"\0{tag}-stream"),
                 ("abstract_dgram", socket.AF_UNIX, socket.SOCK_DGRAM, f"\0{tag}-dgram"),
                 ("path", socket.AF_UNIX, socket.SOCK_STREAM, os.path.join(self.folder, "s"))]
        for name, family, kind, address in specs:
            try:
                sock = socket.socket(family, kind)
                sock.bind(address)
            except OSError:  # no IPv6 here
                continue
            if kind == socket.SOCK_STREAM:
                sock.listen(16)
            sock.setblocking(False)
            self.sockets[name] = sock
        os.chmod(os.path.join(self.folder, "s"), 0o777)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def targets(self) -> dict:
        out = {}
        for name, sock in self.sockets.items():
            address = sock.getsockname()
            if isinstance(address, bytes):
                address = address.decode()
            out[name] = list(address[:2]) if isinstance(address, tuple) else address
        return out

    def submission(self, folder: Path, name: str = NETWORK) -> Path:
        """The network entry with this run's addresses in its TARGETS line."""
        lines = build.source("hostile", name).splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if line.startswith("TARGETS = "))
        lines[index] = f"TARGETS = {json.dumps(self.targets())}  # noqa: E501\n"
        path = folder / f"{name}.py"
        path.write_text("".join(lines))
        return path

    def _serve(self):
        conns: list[tuple[str, socket.socket]] = []
        while not self._stop.is_set():
            watched = list(self.sockets.values()) + [c for _, c in conns]
            ready, _, _ = select.select(watched, [], [], 0.05)
            for sock in ready:
                name = next((n for n, s in self.sockets.items() if s is sock), None)
                try:
                    if name is not None and sock.type == socket.SOCK_STREAM:
                        conn, _ = sock.accept()
                        conn.setblocking(False)
                        conns.append((name, conn))
                        self.received.append((name, 0))
                    elif name is not None:
                        data = sock.recv(65536)
                        self.received.append((name, len(data)))
                    else:
                        owner = next(n for n, c in conns if c is sock)
                        data = sock.recv(65536)
                        if data:
                            self.received.append((owner, len(data)))
                        else:
                            conns = [(n, c) for n, c in conns if c is not sock]
                            sock.close()
                except OSError:
                    pass

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in self.sockets.values():
            sock.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --------------------------------------------------------------------------- the world
def site_packages() -> list[str]:
    found = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    import numpy

    found.add(os.path.dirname(os.path.dirname(numpy.__file__)))
    return sorted(p for p in found if os.path.isdir(p))


CODE = ("edugrad", "hw3", "sandboxed", "grader", "starter", "instructor", "data")


def snapshot(roots, hashed=()) -> dict[str, tuple]:
    """path -> (mode, size, mtime, ctime[, sha256]) under ``roots``; files under
    ``hashed`` roots also by content.  (ctime changes with any write or chmod.)"""
    found = {}
    hashed = [str(h) for h in hashed]
    for top in map(str, roots):
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", ".hypothesis")]
            for name in dirs + files:
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                entry = (stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                if stat.S_ISREG(st.st_mode) and any(path.startswith(h + os.sep) for h in hashed):
                    with open(path, "rb") as f:
                        entry += (hashlib.sha256(f.read()).hexdigest(),)
                found[path] = entry
    return found


def changes(before: dict, after: dict) -> dict[str, str]:
    out = {p: "removed" for p in before.keys() - after.keys()}
    out.update({p: "added" for p in after.keys() - before.keys()})
    out.update({p: f"{before[p]} -> {after[p]}" for p in before.keys() & after.keys()
                if before[p] != after[p]})
    return out


def restore_modes(before: dict) -> None:
    """Undo a chmod sweep that got through (so a failing test leaves no damage)."""
    for path, entry in before.items():
        try:
            if stat.S_IMODE(os.lstat(path).st_mode) != entry[0]:
                os.chmod(path, entry[0])
        except OSError:
            pass


def remove_planted(folders) -> list[str]:
    removed = []
    for folder in folders:
        for name in PLANTED_NAMES:
            path = os.path.join(folder, name)
            if os.path.lexists(path):
                try:
                    os.unlink(path)
                    removed.append(path)
                except OSError:
                    pass
    return removed


def shared_folders() -> list[str]:
    return [p for p in ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/lock")
            if os.path.isdir(p)]


def processes(match) -> list[tuple[int, int, str]]:
    """(pid, uid, command line) of the processes for which ``match(uid, cmdline)``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{name}").st_uid
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmdline and match(uid, cmdline):
            found.append((int(name), uid, cmdline[:200]))
    return found


def sandbox_uid(uid: int) -> bool:
    from grader import second_user

    return second_user.BASE <= uid < second_user.BASE + second_user.COUNT


def files_of_sandbox_uids(folders) -> list[str]:
    found = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if sandbox_uid(entry.stat(follow_symlinks=False).st_uid):
                    found.append(entry.path)
            except OSError:
                pass
    return found


def wait_until_gone(match, seconds: float = 10.0) -> list:
    left = processes(match)
    end = time.monotonic() + seconds
    while left and time.monotonic() < end:
        time.sleep(0.1)
        left = processes(match)
    return left


# --------------------------------------------------------------------------- pythons
def runs_as(uid: int, python: str) -> bool:
    """Whether ``uid`` can run ``python`` with the packages, on a simulated host (plain
    setpriv is not enough here: it ran a Python under a 0700 /root on this machine)."""
    probe = "import numpy, pytest, hypothesis"
    return subprocess.run([sys.executable, str(HOST), "--user", str(uid), "--", python, "-c",
                           probe], capture_output=True, cwd="/",
                          env={"PATH": "/usr/bin:/bin", "HOME": "/"}, timeout=120).returncode == 0


def world_python(folder: Path) -> str | None:
    """A Python every user can run, with this environment's packages: this one, or a
    venv made from the system's Python of the same version whose .pth adds this
    environment's site-packages (Gradescope's /autograder/venv is world-readable)."""
    nobody = 65534
    if not shutil.which("setpriv"):
        return None
    if runs_as(nobody, sys.executable):
        return sys.executable
    system = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    if not os.path.exists(system):
        return None
    venv = folder / "venv"
    if subprocess.run([system, "-m", "venv", "--without-pip", str(venv)],
                      capture_output=True, timeout=120).returncode != 0:
        return None
    python = str(venv / "bin" / "python")
    site = subprocess.run([python, "-c", "import sysconfig; "
                           "print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True).stdout.strip()
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in site_packages())
    Path(site, "hw3-host-packages.pth").write_text(lines)
    subprocess.run(["chmod", "-R", "a+rX", str(folder)], check=True)
    return python if runs_as(nobody, python) else None


def fake_autograder(folder: Path) -> Path:
    """A copy of what the Gradescope bundle holds, as /autograder/source would hold it
    after setup.sh (``lock_secrets`` run as root): the isolation tests grade from it
    where they must not change the modes of this checkout."""
    source = folder / "source"
    source.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "solution")
    for name in ("edugrad", "hw3", "sandboxed", "grader", "starter", "instructor"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    shutil.copytree(ROOT / "data" / "toy", source / "data" / "toy", ignore=ignore)
    (source / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    os.chmod(folder, 0o755)
    subprocess.run(["chmod", "-R", "a+rX", str(source)], check=True)
    code = "import sys; from grader.confine import lock_secrets; lock_secrets()"
    subprocess.run([sys.executable, "-c", code], cwd=source, check=True, timeout=120)
    return source
