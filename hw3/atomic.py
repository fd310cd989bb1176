"""Atomic file writes, used everywhere: a temp file beside the target, then os.replace.

A reader sees the old file or the new one, never half of either; a crash leaves the
old one.  Files get the mode an ordinary ``open(path, "w")`` would give them (0666
less the umask), so a group-readable setup (``umask 002``) works for every output.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading

_LOCK = threading.Lock()


def _umask() -> int:
    """The process's umask (read under a lock: reading it means setting it)."""
    with _LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0666 less the umask."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """The mode ``os.mkdir`` gives a new folder: 0777 less the umask."""
    return 0o777 & ~_umask()


@contextlib.contextmanager
def replacing(path, mode: int | None = None):
    """Yield a temporary path beside ``path``; when the block ends without an error,
    it becomes ``path`` (``mode``: default ``file_mode()``), else it is removed."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, file_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_bytes(path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically."""
    with replacing(path, mode) as tmp, open(tmp, "wb") as f:
        f.write(data)


def write_text(path, text: str, mode: int | None = None) -> None:
    write_bytes(path, text.encode("utf-8"), mode)


def write_json(path, data, mode: int | None = None) -> None:
    write_text(path, json.dumps(data, indent=2) + "\n", mode)
