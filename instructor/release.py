"""`make release`: build the student distribution and prove it is safe and works.

    python -m instructor.release                 # dist/hw3-student/ + .tar.gz, verified
    python -m instructor.release --no-verify     # build only

What ships, by one rule: a file ships when git tracks it (or would: new and not
ignored, so nothing ignored such as .venv, dist/, build/, outputs/, grades/ or caches
ever ships) and its top-level entry is for students, which is every one except the
instructors' folder (instructor/: what the sandbox hides from submissions), the
maintainers' folders (``MAINTAINERS``: tests/, bench/) and dot-folders (.git, .ci).
On top of that, the corpora ``make data`` prepares in data/real/ ship (git ignores
them; students then need neither gensim nor a network), and the files the sandbox
keeps secret inside a shipped folder (``confine.secret_files()``; none today) do not.  README.md is replaced by a student README
and the Makefile keeps only the targets students use (``STUDENT_TARGETS``).

The build is refused while starter/ops.py is not the stub.  The verification (exit
status 1 when any part fails):

a. nothing of instructor/, of the maintainers' folders or of the sandbox's secret
   files is in it, and every import of the project's own modules resolves inside it;
b. no gradient oracle: no code of the reference solution (normalised syntax trees of
   instructor/solution/ops.py, names ignored) and no code or copy of any instructors'
   module (shipping.find_oracles);
c. it installs (``pip install --no-deps -e``) into a fresh venv that sees only the
   students' dependencies (instructor/pins.py: numpy, tqdm, pytest, pytest-timeout,
   hypothesis and what they need, lent from this environment), imports from there,
   and its ``make test`` scores the stubs 0 and the reference solution full marks;
d. its ``make test`` gives a backward computed numerically (central differences, the
   complex step, edugrad.gradcheck.numerical_vjp) no backward points and says why:
   the release holds and runs the grader's detection (grader/numerical.py).
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from instructor import pins, shipping

ROOT = Path(__file__).resolve().parent.parent
NAME = "hw3-student"
MAINTAINERS = ("tests", "bench")  # the repository's own tests and benchmarks
# Makefile targets a student uses; every other rule is dropped from the student Makefile.
STUDENT_TARGETS = {"help", "deps", "install", "test", "train", "submit", "condor-dryrun",
                   "condor-train", "sweep-table", "sweep", "sweep-summary", "clean"}

STUDENT_README = """\
# HW3: skip-gram with negative sampling (word2vec) in edugrad

Start with the handout, **`hw3/README.md`**: it explains the task, the math to derive,
and the rubric. You implement four operations in **`starter/ops.py`**.

```bash
make install   # creates .venv with what you need (numpy, tqdm, pytest, hypothesis, matplotlib)
make test      # checks starter/ops.py: a table per op, your estimated score, what to fix
make train     # trains word2vec with your ops; outputs in outputs/
make submit    # packages ops.py (+ outputs/train/ when finished) into hw3-submission.tar.gz
```

Run them in this folder, the one holding the `Makefile` (from a subfolder, make finds no
rules).

| folder | what it holds |
|---|---|
| `starter/` | **your code**: `starter/ops.py` |
| `edugrad/` | the autodiff library your ops plug into (read `edugrad/README.md`) |
| `hw3/` | the handout, the word2vec model, data pipeline and training command |
| `grader/` | the public tests that `make test` runs |
| `sandboxed/` | what runs your ops apart from the tests while they check them |
| `data/` | the corpora (`data/toy/` small; `data/real/` Wikipedia text and word-similarity sets, when present) |
| `condor/` | submit files for the patas cluster: see `condor/README.md` |

Long runs go to the patas cluster: `make condor-dryrun SUB=condor/train.sub` runs the
first job here (catching path mistakes in seconds), then `condor_submit condor/train.sub`.
`make` alone lists every command.
"""


class ReleaseError(Exception):
    """The release could not be built or failed its verification."""


# ---------------------------------------------------------------- choosing files
def stays_home(rel: str) -> bool:
    """The rule (see the module docstring): True for a file that does not ship."""
    top = rel.split("/")[0]
    if "/" in rel and top.startswith("."):
        return True  # dot-folders: .git, .ci
    if top == shipping.secret_folder() or top in MAINTAINERS:
        return True
    return rel in shipping.secret_files() or shipping.is_junk(rel)


def select_files(root: Path = ROOT) -> list[str]:
    files = shipping.source_files(root)
    real = root / "data" / "real"
    if real.is_dir():
        files += [p.relative_to(root).as_posix() for p in real.rglob("*") if p.is_file()]
    return sorted(f for f in set(files) if not stays_home(f))


# ---------------------------------------------------------------- student Makefile
def _rule_targets(line: str) -> list[str] | None:
    match = re.match(r"^([A-Za-z0-9_.\- ]+?)\s*:(?!=)", line)
    return match.group(1).split() if match else None


def student_makefile(text: str) -> str:
    """The Makefile with only the rules a student uses, installing the test extras."""
    out, keep = [], True
    for line in text.splitlines():
        if line.startswith("\t") or (not line.strip() and not keep):
            if keep:
                out.append(line)
            continue
        targets = _rule_targets(line)
        if targets is None or "=" in line.split(":", 1)[0]:
            keep = True
            out.append(line)
            continue
        if targets == [".PHONY"]:
            names = [n for n in line.split(":", 1)[1].split() if n in STUDENT_TARGETS]
            if names:
                out.append(".PHONY: " + " ".join(names))
            continue
        keep = all(t in STUDENT_TARGETS for t in targets)
        if keep:
            out.append(line)
    text = "\n".join(out) + "\n"
    text = text.replace("'.[dev]'", "'.[test,plot]'").replace(".[dev]", ".[test,plot]")
    # The help banner and comments: students only.
    text = "\n".join(line for line in text.splitlines()
                     if not re.search(r'@echo "(Instructors|Maintainers):', line)
                     and not re.match(r"# Hand-in, release, autograder", line)) + "\n"
    text = text.replace("make check (maintainers) or ", "")
    # Variables only the dropped rules used (SUBMISSIONS, GRADES, ...).
    text = "\n".join(line for line in text.splitlines()
                     if not (m := re.match(r"^(\w+) \?=", line))
                     or f"$({m.group(1)})" in text) + "\n"
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text


# ---------------------------------------------------------------- building
def _tar_add(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def build(dist: Path, root: Path = ROOT) -> tuple[Path, Path, list[str]]:
    """Write dist/hw3-student/ and dist/hw3-student.tar.gz; return them and the file list."""
    refusal = shipping.starter_refusal("release", root)
    if refusal:
        raise ReleaseError(refusal)
    dist.mkdir(parents=True, exist_ok=True)
    contents: dict[str, tuple[bytes, int]] = {}
    for rel in select_files(root):
        path = root / rel
        data = path.read_bytes()
        if rel == "Makefile":
            data = student_makefile(data.decode()).encode()
        mode = 0o755 if os.access(path, os.X_OK) else 0o644
        contents[rel] = (data, mode)
    contents["README.md"] = (STUDENT_README.encode(), 0o644)
    if "Makefile" not in contents:
        raise ReleaseError("make release: the repository has no Makefile to ship.")

    folder = dist / NAME
    staging = Path(tempfile.mkdtemp(dir=dist, prefix=f".{NAME}."))
    try:
        for rel, (data, mode) in sorted(contents.items()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(mode)
        old = dist / f".{NAME}.old"
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        staging.chmod(0o755)  # mkdtemp made it private; the release is for sharing
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    from hw3.atomic import replacing

    archive = dist / f"{NAME}.tar.gz"
    with replacing(archive, 0o644) as tmp, open(tmp, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, (data, mode) in sorted(contents.items()):
            _tar_add(tar, f"{NAME}/{rel}", data, mode)
    return folder, archive, sorted(contents)


# ---------------------------------------------------------------- (a) what is in it
def check_paths(folder: Path) -> list[str]:
    problems = []
    secret = shipping.secret_folder()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            continue
        if shipping.under(rel, secret):
            problems.append(f"{rel}: the instructors' folder {secret}/ is in the release")
        elif rel.split("/")[0] in MAINTAINERS or ("/" in rel and rel.startswith(".")):
            problems.append(f"{rel}: a maintainers' folder is in the release")
        elif rel in shipping.secret_files():
            problems.append(f"{rel}: the sandbox keeps this file secret, yet it ships")
        elif shipping.is_junk(rel):
            problems.append(f"{rel}: build junk in the release")
    return problems


def check_static(folder: Path, root: Path = ROOT) -> list[str]:
    """(a) and (b): what is in the release, and no gradient oracle."""
    return (check_paths(folder) + shipping.unresolved_imports(folder, root)
            + shipping.find_oracles(folder, shipped=[], root=root))


# ---------------------------------------------------------------- (c) install and run
def _clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "MAKE", "MFLAGS", "HW3_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", HOME=str(home))
    return env


def _purelib(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                          "['purelib'])"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def check_install(folder: Path, work: Path, log) -> tuple[list[str], Path | None]:
    """Install the release (editable) into a fresh venv that sees only the students'
    dependencies, and import it from there.

    The venv has no packages of its own: a .pth file lends it links to the installed
    files of exactly ``pins.pins()`` (numpy, tqdm, pytest, ... and their dependencies,
    no network needed).  setuptools is lent only while pip builds the release."""
    venv = work / "venv"
    proc = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return [f"could not create a venv: {proc.stderr.strip()[-300:]}"], None
    python = venv / "bin" / "python"
    site = _purelib(python)
    site.mkdir(parents=True, exist_ok=True)
    # Inside the venv: the sandbox keeps the running Python's prefix visible, while it
    # empties the temp folders the venv may sit in.
    deps, build_deps = venv / "students-deps", venv / "build-deps"
    try:
        pins.borrow(pins.pins(), deps)
        pins.borrow(pins.closure(["setuptools>=64", "wheel"]), build_deps)
    except pins.PinError as err:
        return [str(err)], None
    (site / "students_deps.pth").write_text(f"{deps}\n")
    build_pth = site / "build_deps.pth"
    build_pth.write_text(f"{build_deps}\n")
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-build-isolation", "--no-index", "-e", str(folder)],
        capture_output=True, text=True, cwd=work, env=_clean_env(work))
    build_pth.unlink()
    log(f"  pip install -e: exit {proc.returncode} in {time.monotonic() - start:.1f} s")
    if proc.returncode != 0:
        return [f"pip install -e failed: {(proc.stderr or proc.stdout).strip()[-600:]}"], None
    packages = shipping.project_packages(folder)
    probe = (
        "import importlib, importlib.util, pathlib\n"
        f"root = pathlib.Path({str(folder.resolve())!r})\n"
        "bad = []\n"
        f"for name in {packages!r} + ['grader.cli', 'hw3.word2vec', 'hw3.handin']:\n"
        "    mod = importlib.import_module(name)\n"
        "    if root not in pathlib.Path(mod.__file__).resolve().parents:\n"
        "        bad.append(f'{name} imported from {mod.__file__}, not the release')\n"
        f"for name in ({shipping.secret_folder()!r}, 'scipy', 'gensim'):\n"
        "    if importlib.util.find_spec(name) is not None:\n"
        "        bad.append(f'{name} is importable from the release install')\n"
        "print('\\n'.join(bad))\n"
    )
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                          cwd=work, env=_clean_env(work))
    if proc.returncode != 0:
        return [f"importing the installed release failed: {proc.stderr.strip()[-600:]}"], python
    return [line for line in proc.stdout.splitlines() if line.strip()], python


SCORE = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")


def make_test(folder: Path, python: Path, work: Path, ops: Path | None = None):
    """Start the release's `make test` (on ``ops``, else its own starter)."""
    args = ["make", "--no-print-directory", "test", f"PY={python}"]
    if ops is not None:
        args.append(f"OPS={ops}")
    return subprocess.Popen(args, cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=_clean_env(work))


def finish(proc, timeout: float = 600) -> tuple[int, str]:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        return -1, out + f"\n(killed after {timeout:g} s)"
    return proc.returncode, out


def table_cells(out: str) -> dict[str, dict[str, tuple[float, float]]]:
    """{op: {category: (points, out of)}} from the table `make test` prints."""
    lines = out.splitlines()
    header = next((i for i, line in enumerate(lines) if line.split()[:1] == ["op"]), None)
    if header is None:
        return {}
    categories = lines[header].split()[1:]
    cells = {}
    for line in lines[header + 1:]:
        words = line.split()
        if not words or words[0].startswith("("):
            break
        pairs = re.findall(r"(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)", line)
        names = categories if len(pairs) == len(categories) else [words[0]]
        cells[words[0]] = {c: (float(a), float(b)) for c, (a, b) in zip(names, pairs)}
    return cells


def estimated(out: str) -> tuple[float, float] | None:
    for line in reversed(out.splitlines()):
        if re.search(r"score", line, re.IGNORECASE):
            match = SCORE.search(line)
            if match:
                return float(match.group(1)), float(match.group(2))
    return None


def judge_stubs(code: int, out: str) -> list[str]:
    """`make test` on the untouched stubs: runs, reports 0 out of a positive total."""
    if "Traceback (most recent call last)" in out:
        return [f"make test printed a traceback:\n{out[-1500:]}"]
    score = estimated(out)
    if score is None:
        return [f"make test printed no estimated score (exit {code}):\n{out[-1500:]}"]
    if score[0] != 0 or score[1] <= 0:
        return [f"make test on the stubs reported {score[0]:g}/{score[1]:g}, expected 0 out "
                "of a positive total"]
    if code == 0:
        return ["make test exited 0 on the stubs; it should fail until the ops are written"]
    return []


def judge_solution(code: int, out: str) -> list[str]:
    """`make test` on the reference solution: every public point."""
    score = estimated(out)
    if code != 0 or score is None or score[0] != score[1] or score[1] <= 0:
        return [f"make test on the reference solution did not give full marks (exit {code}, "
                f"score {score}): the release cannot grade a correct submission:\n"
                f"{out[-1500:]}"]
    return []


# ---------------------------------------------------------------- (d) numerical backwards
NUMERICAL = {
    "central differences": ("", '''
def _numerical(f, xs, g, i, reduces):
    h = 1e-6
    x = np.asarray(xs[i], dtype=np.float64)
    grad = np.zeros_like(x)
    for slot in _slots(x, reduces):
        up = [np.array(v, dtype=np.float64) for v in xs]
        down = [np.array(v, dtype=np.float64) for v in xs]
        up[i][slot] += h
        down[i][slot] -= h
        grad[slot] = g * (f(*up) - f(*down)) / (2 * h)
    return grad
'''),
    "complex step": ("", '''
def _numerical(f, xs, g, i, reduces):
    x = np.asarray(xs[i], dtype=np.float64)
    grad = np.zeros_like(x)
    for slot in _slots(x, reduces):
        moved = [np.array(v, dtype=np.complex128) for v in xs]
        moved[i][slot] += 1e-20j
        grad[slot] = g * np.imag(f(*moved)) / 1e-20
    return grad
'''),
    "edugrad.gradcheck.numerical_vjp": ("from edugrad.gradcheck import numerical_vjp\n", '''
def _numerical(f, xs, g, i, reduces):
    return numerical_vjp(lambda ctx, *arrays: f(*arrays), xs, g, [i])[0]
'''),
}


def numerical_submission(kind: str) -> str:
    """An ops.py whose every forward is the registry's definition and whose every
    backward differentiates it numerically by ``kind`` (a key of ``NUMERICAL``).
    Elementwise ops are moved all at once, ops reducing the last axis one position of
    it at a time, so training stays fast (except with numerical_vjp, which moves one
    element at a time by design)."""
    from hw3.registry import OPS

    imports, helper = NUMERICAL[kind]
    parts = [f'"""Every backward differentiates numerically: {kind}."""\n\n'
             "import numpy as np\n\n"
             "from edugrad.operation import Operation, tensor_op\n"
             f"from hw3.registry import BY_NAME\n{imports}\n\n"
             "def _slots(x, reduces):\n"
             "    return [(Ellipsis, k) for k in range(x.shape[-1])] if reduces else [Ellipsis]\n"
             + helper]
    for op in OPS:
        args = ", ".join(op.inputs)
        parts.append(f'''

@tensor_op
class {op.name}(Operation):
    @staticmethod
    def forward(ctx, {args}):
        ctx.extend([{args}])
        return BY_NAME[{op.name!r}].definition({args})

    @staticmethod
    def backward(ctx, grad_output):
        xs = list(ctx)
        f = BY_NAME[{op.name!r}].definition
        return tuple(_numerical(f, xs, grad_output, i, {op.reduces_last_axis})
                     for i in range(len(xs)))
''')
    return "".join(parts)


def judge_numerical(kind: str, code: int, out: str) -> list[str]:
    """No backward point for any op, and the feedback says the backward is numerical."""
    from hw3.registry import NAMES

    cells = table_cells(out)
    problems = []
    for op in NAMES:
        got = cells.get(op, {}).get("backward")
        if got is None:
            problems.append(f"{kind}: make test printed no backward cell for {op}:\n"
                            f"{out[-1500:]}")
        elif got[0] != 0:
            problems.append(f"{kind}: make test gave {op}'s numerical backward "
                            f"{got[0]:g}/{got[1]:g} backward points; expected 0")
        if not re.search(rf"{op}\.backward differentiates numerically", out):
            problems.append(f"{kind}: make test does not say {op}.backward differentiates "
                            "numerically")
    return problems


def check_runs(folder: Path, python: Path, work: Path, root: Path, log) -> list[str]:
    """(c) `make test` on the stubs and on the reference solution, and (d) on one
    numerical-backward submission per kind; all at once (they mostly wait)."""
    subs = work / "submissions"
    subs.mkdir()
    solution = subs / "solution.py"
    shutil.copy(root / shipping.secret_folder() / "solution" / "ops.py", solution)
    runs = {"stubs": (None, judge_stubs), "solution": (solution, judge_solution)}
    for n, kind in enumerate(NUMERICAL):
        path = subs / f"numerical_{n}.py"
        path.write_text(numerical_submission(kind), encoding="utf-8")
        runs[kind] = (path, lambda code, out, kind=kind: judge_numerical(kind, code, out))
    start = time.monotonic()
    started = {name: make_test(folder, python, work, ops) for name, (ops, _) in runs.items()}
    problems = []
    for name, proc in started.items():
        code, out = finish(proc)
        found = runs[name][1](code, out)
        score = estimated(out)
        shown = f"{score[0]:g}/{score[1]:g}" if score else "no score"
        log(f"  make test on {name}: exit {code}, {shown}{'' if found else ' (as expected)'}")
        problems += found
    log(f"  make test runs: {time.monotonic() - start:.1f} s")
    return problems


def unpack(archive: Path, into: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # noqa: S202 - our own archive, just built


def verify(folder: Path, archive: Path | None = None, root: Path = ROOT, log=print,
           run: bool = True) -> list[str]:
    """Problems with the release (empty when it is good).

    The static checks look at ``folder``; installing and `make test` run on a copy
    unpacked from ``archive`` (when given: that proves the archive too), so the
    shipped folder never collects caches from the verification."""
    problems = check_static(folder, root)
    if not run:
        return problems
    with tempfile.TemporaryDirectory(prefix="hw3-release-check-") as tmp:
        work = Path(tmp)
        copy = work / "unpacked" / folder.name
        if archive is not None:
            unpack(archive, work / "unpacked")
        else:
            shutil.copytree(folder, copy)
        if not copy.is_dir():
            return problems + [f"{archive} does not unpack into {folder.name}/"]
        install_problems, python = check_install(copy, work, log)
        problems += install_problems
        if python is not None and not install_problems:
            problems += check_runs(copy, python, work, root, log)
    return problems


def counts(files: list[str]) -> str:
    """'edugrad 14, grader 25, ...': files per top-level entry."""
    tally: dict[str, int] = {}
    for rel in files:
        top = rel.split("/")[0] + ("/" if "/" in rel else "")
        tally[top] = tally.get(top, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m instructor.release",
        description="Build the student release in dist/ (folder + .tar.gz) and verify it: "
                    "nothing of instructor/ or secret in it, no gradient oracle, it installs "
                    "with only the students' dependencies, `make test` inside it scores the "
                    "stubs 0 and the solution full marks, and gives numerical backwards no "
                    "backward points.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--no-verify", action="store_true", help="build only")
    args = parser.parse_args(argv)
    try:
        folder, archive, files = build(args.dist)
    except (ReleaseError, OSError) as err:
        print(err, file=sys.stderr)
        return 1
    size = archive.stat().st_size
    print(f"Built {folder}/ ({len(files)} files: {counts(files)}) and {archive} "
          f"({size / 1e6:.1f} MB).")
    if not (ROOT / "data" / "real").is_dir():
        print("note: data/real/ is absent (run `make data` first to ship the real corpora).")
    if args.no_verify:
        return 0
    print("Verifying the release ...", flush=True)
    problems = verify(folder, archive, log=lambda line: print(line, flush=True))
    if problems:
        print("make release: the release FAILED verification:\n  - "
              + "\n  - ".join(problems), file=sys.stderr)
        return 1
    print("Verified: nothing of instructor/ or secret, no gradient oracle; installs with only "
          "the students' dependencies; make test scores the stubs 0, the solution full marks, "
          "and numerical backwards no backward points.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
