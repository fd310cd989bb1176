"""Writing a run's output folder: all files or none.

Files are first written into a fresh temporary folder beside the target (each file
itself via a temporary name + ``os.replace``), and the folder is moved into place
only when everything is written.  A crash or Ctrl-C leaves no half-written output.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

from hw3.atomic import folder_mode, write_bytes
from hw3.errors import UsageError

# What a training run writes; --overwrite replaces a folder holding only these.
OUTPUT_NAMES = frozenset({"embeddings.txt", "losses.csv", "neighbours.txt", "metrics.json",
                          "config.json", "timing.json", "loss.png"})


def check_out_dir(out: Path, overwrite: bool) -> None:
    """Refuse (``UsageError``) an ``--out`` that exists and is not an empty folder,
    unless ``overwrite`` and it holds only the files of an earlier training run."""
    if Path.cwd().resolve().is_relative_to(out.resolve()):
        raise UsageError(
            f"--out {out} is the folder you are in (or holds it): the outputs go into a "
            "folder of their own that is created, or replaced, as a whole. Give a new name, "
            "e.g. --out outputs/run1."
        )
    if not out.exists():
        return
    if not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder. Choose another --out.")
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    if not overwrite:
        raise UsageError(
            f"The output folder {out} already exists and is not empty, and it is not "
            "overwritten silently. Choose another --out, or pass --overwrite to replace it."
        )
    foreign = [name for name in entries if name not in OUTPUT_NAMES]
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise UsageError(
            f"--overwrite only replaces the files of an earlier training run, but {out} also "
            f"holds {shown}. Choose another --out (for example `make train OUT=outputs/local`) "
            "or move those files away first."
        )


def check_writable(out: Path) -> None:
    """Fail now (``UsageError``), not after training, if ``out`` cannot be created.

    Makes and removes an empty temporary folder where ``out`` will go; creates nothing
    that stays.
    """
    parent = out.resolve().parent
    existing = parent
    while not existing.exists():
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(existing))
        probe = tempfile.mkdtemp(prefix=".hw3-probe-", dir=existing)
        os.rmdir(probe)
    except OSError as err:
        raise UsageError(
            f"The outputs cannot be written to --out {out}: {existing} is not a folder you "
            f"can create files in ({err.strerror or err}). Choose a folder you can write to "
            "(make train OUT=~/hw3-run, or --out ~/hw3-run), or fix its permissions "
            f"(chmod u+w {existing}), and run again; nothing was trained yet."
        ) from None



def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically (hw3/atomic.py)."""
    write_bytes(path, data.encode("utf-8") if isinstance(data, str) else data)


def to_json(obj) -> str:
    """Stable JSON (sorted keys, NaN -> null) ending in a newline."""
    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(obj), indent=2, sort_keys=True, allow_nan=False) + "\n"


class OutputFolder:
    """``with OutputFolder(out, overwrite) as tmp: write files into tmp`` -> moved to out."""

    def __init__(self, out: Path, overwrite: bool):
        self.out = Path(out)
        self.overwrite = overwrite
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        check_out_dir(self.out, self.overwrite)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.tmp-", dir=self.out.parent))
        os.chmod(self.tmp, folder_mode())  # mkdtemp makes it private (0700)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        try:
            check_out_dir(self.out, self.overwrite)
            old = None
            if self.out.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-",
                                            dir=self.out.parent))
                os.replace(self.out, old / "previous")
            try:
                os.replace(self.tmp, self.out)
            except OSError:
                if old is not None:  # put the earlier run back
                    os.replace(old / "previous", self.out)
                    shutil.rmtree(old, ignore_errors=True)
                raise
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return False
