"""Build dist/autograder.zip (see grader/gradescope/__init__.py for what it holds)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SOURCE_TOP = ("edugrad", "starter", "hw3", "grader", "data/toy", "pyproject.toml", "README.md")
# Grading never needs the reference solution or the catalogs (the training references
# are precomputed in grader/reference/; grader/mistakes.py is needed and ships): what
# the bundle does not hold, no submission can copy, even where the sandbox cannot hide it.
SKIP = ("grader/solution", "grader/catalog", "grader/release.py", "grader/fanout.py")
JUNK = ("__pycache__", ".pytest_cache", ".hypothesis", ".egg-info")
ENTRY_POINTS = ("setup.sh", "run_autograder")


def source_files(root: Path = ROOT) -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                              "-z"], cwd=root, capture_output=True, check=True).stdout.decode()
        files = [f for f in out.split("\0") if f and (root / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    keep = []
    for rel in sorted(set(files)):
        if not any(rel == t or rel.startswith(t + "/") for t in SOURCE_TOP):
            continue
        if any(rel == s or rel.startswith(s + "/") for s in SKIP):
            continue
        if any(j in part for part in rel.split("/") for j in JUNK) or rel.endswith(".pyc"):
            continue
        keep.append(rel)
    return keep


def _entry(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(out: Path, root: Path = ROOT) -> list[str]:
    """Write the bundle atomically; return the names it holds."""
    names = []
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            for name in ENTRY_POINTS:
                _entry(zf, name, (HERE / name).read_bytes(), executable=True)
                names.append(name)
            for rel in source_files(root):
                path = root / rel
                _entry(zf, rel, path.read_bytes(), executable=os.access(path, os.X_OK))
                names.append(rel)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.gradescope",
        description="Build the Gradescope autograder bundle (setup.sh, run_autograder and "
                    "the grader's source, hidden tests included; no reference solution, no catalogs).")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "autograder.zip")
    args = parser.parse_args(argv)
    if not (ROOT / "grader" / "rubric" / "hidden").is_dir():
        print("make autograder: grader/rubric/hidden is missing (is this the student "
              "release?); build the bundle in the instructors' repository.", file=sys.stderr)
        return 2
    names = build(args.out)
    print(f"Wrote {args.out} ({len(names)} files, {args.out.stat().st_size / 1e6:.1f} MB). "
          "Upload it as the Gradescope autograder (Ubuntu base image).")
    return 0
