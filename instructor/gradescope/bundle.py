"""`make autograder`: build dist/autograder.zip, check it, and pin what it was tested with.

    python -m instructor.gradescope                 # build, check, grade the solution in it
    python -m instructor.gradescope --no-verify     # build and check only

What the zip holds, at its root: Gradescope's entry points (setup.sh, run_autograder,
from this folder), ``requirements.lock`` and the source.  The source is what grading
reads, as ``grader.stamp.CODE`` lists it (the same files whose hash is the
grader_version of every results.json: edugrad/, hw3/, sandboxed/, grader/, data/toy/,
instructor/hidden/, instructor/reference/, instructor/mistakes.py), plus what runs it
on Gradescope (``ENTRY``: the instructor package's __init__ files and
instructor/gradescope/run.py) and what pip installs the project from (pyproject.toml,
README.md).  Nothing else: not the reference solution, the tests and catalogs,
instructor/cases.py and reference.py (they run the solution), the release, bundle and
fan-out tools, starter/ (grading never imports it) or data/real/.

``requirements.lock`` pins the exact versions of the students' dependencies and
theirs installed here (instructor/pins.py): the environment whose ``make check`` the
instructor ran, and in which this command grades the solution with the built bundle.
setup.sh installs it with ``pip install -r`` and refuses a Python older than the lock
allows, saying which Gradescope base image to choose.

The build is refused while starter/ops.py is not the stub.  Checks on the built zip
(exit status 1 when any fails): every import of the project's own modules resolves in
it; no gradient oracle (instructor/shipping.py); the entry points are executable;
and, unless --no-verify, run_autograder in a fake /autograder tree gives the reference
solution full marks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from grader.stamp import CODE
from instructor import pins, shipping

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SECRET = shipping.secret_folder()
ENTRY = (f"{SECRET}/__init__.py", f"{SECRET}/gradescope/__init__.py",
         f"{SECRET}/gradescope/run.py")
PROJECT = ("pyproject.toml", "README.md")
ENTRY_POINTS = ("setup.sh", "run_autograder")
LOCK = "requirements.lock"
# Gradescope's Ubuntu base images and their python3 (oldest first).
IMAGES = (("Ubuntu 22.04", "3.10"), ("Ubuntu 24.04", "3.12"))


class BundleError(Exception):
    """The bundle could not be built or failed its checks."""


def base_image(need: str) -> str:
    """The oldest Gradescope base image whose python3 is at least ``need``."""
    key = tuple(int(x) for x in need.split("."))
    for image, python in IMAGES:
        if tuple(int(x) for x in python.split(".")) >= key:
            return f"{image} (Python {python})"
    return (f"none of {', '.join(i for i, _ in IMAGES)} has it: install Python {need} in "
            "setup.sh (e.g. from the deadsnakes PPA) or build the bundle where older "
            "versions are installed")


def lock_file(root: Path = ROOT) -> str:
    """The lock (instructor/pins.py) with the base image its versions need, for setup.sh."""
    found = pins.pins(root)
    need = pins.min_python(found)
    return pins.lock_text(found) + f"# base-image: {base_image(need)}\n"


def source_files(root: Path = ROOT) -> list[str]:
    """The repository files the bundle ships (see the module docstring)."""
    wanted = [Path(c).as_posix() for c in CODE] + list(ENTRY) + list(PROJECT)
    return [rel for rel in shipping.source_files(root)
            if any(shipping.under(rel, top) for top in wanted)]


def _entry(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(out: Path, root: Path = ROOT) -> list[str]:
    """Write the bundle atomically; return the names it holds."""
    refusal = shipping.starter_refusal("autograder", root)
    if refusal:
        raise BundleError(refusal)
    try:
        lock = lock_file(root)
    except pins.PinError as err:
        raise BundleError(f"make autograder: {err}") from None
    from hw3.atomic import replacing

    names = []
    with replacing(out, 0o644) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        for name in ENTRY_POINTS:
            _entry(zf, name, (HERE / name).read_bytes(), executable=True)
            names.append(name)
        _entry(zf, LOCK, lock.encode(), executable=False)
        names.append(LOCK)
        for rel in source_files(root):
            path = root / rel
            _entry(zf, rel, path.read_bytes(), executable=os.access(path, os.X_OK))
            names.append(rel)
    return names


def unpack(bundle: Path, into: Path) -> Path:
    """Unpack the zip as Gradescope does (into ``into``/source), modes kept."""
    source = into / "source"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(source)
        for info in zf.infolist():  # zipfile drops permissions: restore them
            mode = info.external_attr >> 16
            if mode:
                os.chmod(source / info.filename, mode & 0o777)
    return source


def check(source: Path, root: Path = ROOT) -> list[str]:
    """Problems with an unpacked bundle (empty when it is good)."""
    problems = []
    for name in ENTRY_POINTS:
        if not os.access(source / name, os.X_OK):
            problems.append(f"{name} is missing or not executable")
    shipped = [p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()]
    stray = [rel for rel in shipped if shipping.is_junk(rel)]
    problems += [f"{rel}: build junk in the bundle" for rel in stray]
    problems += shipping.unresolved_imports(source, root)
    carried = [rel for rel in shipped if shipping.under(rel, SECRET)]
    carried += [f"{SECRET}/gradescope/{name}" for name in ENTRY_POINTS]
    problems += shipping.find_oracles(source, shipped=carried, root=root)
    return problems


def grade_in_fake_tree(source: Path, submission: Path, timeout: float = 900) -> dict:
    """Run run_autograder on ``submission`` in a fake /autograder tree around ``source``
    (with this Python: the versions the lock pins) and return its results.json."""
    tree = source.parent
    (tree / "submission").mkdir(exist_ok=True)
    shutil.copy(submission, tree / "submission" / "ops.py")
    shutil.copy2(source / "run_autograder", tree / "run_autograder")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HW3_"))}
    env.update(AUTOGRADER_ROOT=str(tree), AUTOGRADER_PYTHON=sys.executable)
    subprocess.run([str(tree / "run_autograder")], env=env, capture_output=True,
                   timeout=timeout, stdin=subprocess.DEVNULL)
    return json.loads((tree / "results" / "results.json").read_text(encoding="utf-8"))


def verify(bundle: Path, root: Path = ROOT, run: bool = True, log=print) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="hw3-bundle-check-") as tmp:
        source = unpack(bundle, Path(tmp) / "autograder")
        problems = check(source, root)
        if run and not problems:
            start = time.monotonic()
            results = grade_in_fake_tree(source, root / SECRET / "solution" / "ops.py")
            log(f"  the reference solution, graded by the bundle: {results.get('score')} / "
                f"{results.get('max_score')} ({time.monotonic() - start:.1f} s)")
            if results.get("score") != results.get("max_score") or not results.get("score"):
                problems.append(f"the bundle does not give the reference solution full marks: "
                                f"{results.get('score')} / {results.get('max_score')}")
    return problems


def counts(names: list[str]) -> str:
    tally: dict[str, int] = {}
    for rel in names:
        parts = rel.split("/")
        top = "/".join(parts[:2]) + "/" if parts[0] == SECRET and len(parts) > 2 else \
            parts[0] + ("/" if len(parts) > 1 else "")
        tally[top] = tally.get(top, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m instructor.gradescope",
        description="Build the Gradescope autograder bundle dist/autograder.zip: what grading "
                    "reads, Gradescope's entry points and a lock file of the exact versions "
                    "installed here; then check it and grade the reference solution with it.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "autograder.zip")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip grading the solution with the bundle (the checks still run)")
    args = parser.parse_args(argv)
    if not (ROOT / SECRET / "hidden").is_dir():
        print(f"make autograder: {SECRET}/hidden is missing (is this the student release?); "
              "build the bundle in the instructors' repository.", file=sys.stderr)
        return 2
    try:
        names = build(args.out)
    except BundleError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"Wrote {args.out} ({len(names)} files: {counts(names)}; "
          f"{args.out.stat().st_size / 1e6:.1f} MB).", flush=True)
    problems = verify(args.out, run=not args.no_verify, log=lambda s: print(s, flush=True))
    if problems:
        print("make autograder: the bundle FAILED its checks:\n  - " + "\n  - ".join(problems),
              file=sys.stderr)
        return 1
    with zipfile.ZipFile(args.out) as zf:
        lock = zf.read(LOCK).decode()
    field = {line.split(":")[0][2:]: line.split(":", 1)[1].strip()
             for line in lock.splitlines() if line.startswith("# ") and ":" in line}
    print(f"Checked: no gradient oracle, every import resolves"
          f"{', the solution graded full marks' if not args.no_verify else ''}. Upload it as "
          f"the Gradescope autograder; base image: {field.get('base-image')} (the pinned "
          f"versions in {LOCK} need Python {field.get('requires-python', '').split()[0]}).")
    return 0
