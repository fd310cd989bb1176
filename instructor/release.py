"""`make release`: build the student distribution and prove it is safe and works.

    python -m grader.release                 # dist/hw3-student/ + dist/hw3-student.tar.gz, verified
    python -m grader.release --no-verify     # build only

What ships: edugrad/, starter/, hw3/, the grader minus everything secret or
instructor-only (see ``EXCLUDED``), data/toy/ and, when ``make data`` has run,
data/real/ (so students need neither gensim nor a network), condor/ for training and
sweeps, pyproject.toml, a student Makefile (this repository's targets a student uses,
installing the test extras instead of dev) and a student README.

The verification (exit status 1 when any part fails):

1. no excluded path is present (grader/solution, grader/rubric/hidden,
   grader/catalog, tests/, bench/, .ci/, ...);
2. no .py file contains the reference solution's code: every function body of
   grader/solution/ops.py is compared, as a normalised syntax tree (names and
   docstrings ignored), with every function in the release, and every non-trivial
   expression of its backward methods with every expression in the release;
3. it installs (``pip install --no-deps --no-build-isolation -e`` into a fresh venv
   that borrows this environment's numpy/pytest/... read-only) and imports, from the
   release and not from this repository, without grader.solution;
4. ``make test`` inside it runs the public tests on the stubbed starter and reports
   an estimated score of 0.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "hw3-student"

# Top-level entries that ship (everything else stays home: tests/, bench/, .ci/, ...).
SHIPPED_TOP = ("edugrad", "starter", "hw3", "sandboxed", "grader", "data", "condor",
               "pyproject.toml", "Makefile", ".gitignore", "LICENSE")
# Never shipped, at any depth (paths relative to the repository root, / separated).
EXCLUDED = (
    "grader/solution",          # the reference solution
    "grader/mistakes.py",       # op-specific feedback that spells out the derivatives
    "grader/rubric/hidden",     # hidden tests
    "grader/catalog",           # buggy/valid/hostile self-test submissions
    "grader/release.py",        # instructor tooling
    "grader/gradescope",
    "grader/fanout.py",
    "condor/grade.sub",         # instructor fan-out
    "condor/grade.sh",
    "condor/grade_list.txt",
    "condor/sweep.txt",         # generated
)
JUNK_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".mypy_cache",
              ".DS_Store", ".ipynb_checkpoints"}
JUNK_SUFFIXES = (".pyc", ".pyo", ".egg-info", ".tmp")
FORBIDDEN_IN_RELEASE = ("grader/solution", "grader/mistakes.py", "grader/rubric/hidden", "grader/catalog", "tests",
                        "bench", ".ci", ".team", ".git", ".venv", "outputs", "grades")
# Makefile targets a student uses; every other rule is dropped from the student Makefile.
STUDENT_TARGETS = {"help", "install", "test", "train", "submit", "condor-dryrun",
                   "condor-train", "sweep-table", "sweep", "sweep-summary", "clean"}

STUDENT_README = """\
# HW3: skip-gram with negative sampling (word2vec) in edugrad

Start with the handout, **`hw3/README.md`**: it explains the task, the math to derive,
and the rubric. You implement four operations in **`starter/ops.py`**.

```bash
make install   # creates .venv and installs what you need (numpy, tqdm, pytest, hypothesis)
make test      # checks starter/ops.py: a table per op, your estimated score, what to fix
make train     # trains word2vec with your ops; outputs in outputs/
make submit    # packages ops.py and outputs/ into hw3-submission.tar.gz: upload that file
```

| folder | what it holds |
|---|---|
| `starter/` | **your code**: `starter/ops.py` |
| `edugrad/` | the autodiff library your ops plug into (read `edugrad/README.md`) |
| `hw3/` | the handout, the word2vec model, data pipeline and training command |
| `grader/` | the public tests that `make test` runs |
| `data/` | the corpora (`data/toy/` small; `data/real/` Wikipedia text and word-similarity sets, when present) |
| `condor/` | submit files for the patas cluster: see `condor/README.md` |

Long runs go to the patas cluster: `make condor-dryrun SUB=condor/train.sub` runs the
first job here (catching path mistakes in seconds), then `condor_submit condor/train.sub`.
`make` alone lists every command.
"""


class ReleaseError(Exception):
    """The release could not be built or failed its verification."""


# ---------------------------------------------------------------- choosing files
def _excluded(rel: str) -> bool:
    parts = rel.split("/")
    if any(p in JUNK_PARTS for p in parts) or rel.endswith(JUNK_SUFFIXES) \
            or any(p.endswith(".egg-info") for p in parts):
        return True
    if parts[0] not in SHIPPED_TOP:
        return True
    if rel.startswith("condor/logs/") and rel != "condor/logs/.gitignore":
        return True
    return any(rel == e or rel.startswith(e + "/") for e in EXCLUDED)


def _candidates(root: Path) -> list[str]:
    """Files of the working tree that git would track (committed, staged or new but not
    ignored), plus the prepared corpora in data/real/ (ignored by git, shipped anyway)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, check=True).stdout.decode()
        files = [f for f in out.split("\0") if f and (root / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                 and not {".git", ".venv", "dist", "outputs"} & set(p.relative_to(root).parts)]
    real = root / "data" / "real"
    if real.is_dir():
        files += [p.relative_to(root).as_posix() for p in real.rglob("*") if p.is_file()]
    return sorted(set(files))


def select_files(root: Path = ROOT) -> list[str]:
    return [f for f in _candidates(root) if not _excluded(f)]


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
    # The help banner: students only.
    text = "\n".join(line for line in text.splitlines()
                     if not re.search(r'@echo "(Instructors|Maintainers):', line)) + "\n"
    text = text.replace("make check (maintainers) or ", "")
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
    dist.mkdir(parents=True, exist_ok=True)
    files = select_files(root)
    contents: dict[str, tuple[bytes, int]] = {}
    for rel in files:
        path = root / rel
        data = path.read_bytes()
        if rel == "Makefile":
            data = student_makefile(data.decode()).encode()
        mode = 0o755 if os.access(path, os.X_OK) else 0o644
        contents[rel] = (data, mode)
    contents["README.md"] = (STUDENT_README.encode(), 0o644)
    if "Makefile" not in contents:
        raise ReleaseError("The repository has no Makefile to ship.")

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

    archive = dist / f"{NAME}.tar.gz"
    fd, tmp = tempfile.mkstemp(dir=dist, prefix=f".{NAME}.", suffix=".tar.gz.tmp")
    try:
        with os.fdopen(fd, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for rel, (data, mode) in sorted(contents.items()):
                _tar_add(tar, f"{NAME}/{rel}", data, mode)
        os.chmod(tmp, 0o644)
        os.replace(tmp, archive)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return folder, archive, sorted(contents)


# ---------------------------------------------------------------- verification
class _Normalise(ast.NodeTransformer):
    """Forget names (variables, arguments, attributes stay), keep structure + constants."""

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=ast.Load()), node)

    def visit_arg(self, node):
        return ast.copy_location(ast.arg(arg="_"), node)


def _strip_docstring(body: list) -> list:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _shape(node) -> str:
    import copy

    return ast.dump(_Normalise().visit(copy.deepcopy(node)), annotate_fields=False)


def _size(node) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, (ast.expr, ast.stmt)))


MIN_BODY_NODES = 6   # smaller function bodies (e.g. `return a * b`) are too generic to flag
MIN_EXPR_NODES = 7   # smaller expressions (e.g. `g * b`, `g / a`) likewise


def solution_fingerprints(solution: Path) -> tuple[dict, dict]:
    """({body shape: where}, {backward expression shape: where}) of the reference ops."""
    tree = ast.parse(solution.read_text(encoding="utf-8"))
    bodies, exprs = {}, {}
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for fn in [n for n in cls.body if isinstance(n, ast.FunctionDef)]:
            body = ast.Module(body=_strip_docstring(fn.body), type_ignores=[])
            if _size(body) >= MIN_BODY_NODES:
                bodies[_shape(body)] = f"{cls.name}.{fn.name}"
            if fn.name == "backward":
                for node in ast.walk(body):
                    if isinstance(node, ast.expr) and _size(node) >= MIN_EXPR_NODES:
                        exprs[_shape(node)] = f"{cls.name}.{fn.name}: {ast.unparse(node)}"
    return bodies, exprs


def find_solution_code(folder: Path, solution: Path) -> list[str]:
    """'file:line: what' for every place in the release that holds the reference's code."""
    bodies, exprs = solution_fingerprints(solution)
    raw = re.sub(r"\s+", " ", solution.read_text(encoding="utf-8")).strip()
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if len(raw) > 200 and raw in re.sub(r"\s+", " ", text):
            found.append(f"{rel}: holds the text of grader/solution/ops.py")
        if not rel.endswith(".py"):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue  # the stubs and students' files may be anything; not solution code
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = ast.Module(body=_strip_docstring(node.body), type_ignores=[])
                where = bodies.get(_shape(body))
                if where:
                    found.append(f"{rel}:{node.lineno}: {node.name} has the body of the "
                                 f"reference {where}")
            elif isinstance(node, ast.expr) and _size(node) >= MIN_EXPR_NODES:
                where = exprs.get(_shape(node))
                if where:
                    found.append(f"{rel}:{node.lineno}: `{ast.unparse(node)}` is the "
                                 f"reference {where}")
    return found


def check_paths(folder: Path) -> list[str]:
    problems = []
    for rel in FORBIDDEN_IN_RELEASE:
        if (folder / rel).exists():
            problems.append(f"{rel} is in the release")
    for path in folder.rglob("*"):
        if path.name in ("__pycache__",) or path.suffix == ".pyc":
            problems.append(f"{path.relative_to(folder)}: build junk in the release")
    return problems


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


def check_install(folder: Path, work: Path, log) -> tuple[list[str], Path | None]:
    """Install the release (editable) into a fresh venv and import it from there.

    The venv has no packages of its own: a .pth file lends it this environment's
    site-packages as a plain path (so numpy, pytest, setuptools resolve without a
    network, and this repository's own editable install is *not* activated)."""
    venv = work / "venv"
    proc = subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return [f"could not create a venv: {proc.stderr.strip()[-300:]}"], None
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], capture_output=True, text=True).stdout.strip()
    Path(purelib).mkdir(parents=True, exist_ok=True)
    (Path(purelib) / "_borrowed_site.pth").write_text(_site_packages() + "\n")
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-build-isolation", "--no-index", "-e", str(folder)],
        capture_output=True, text=True, cwd=work)
    log(f"  pip install -e: exit {proc.returncode} in {time.monotonic() - start:.1f} s")
    if proc.returncode != 0:
        return [f"pip install -e failed: {(proc.stderr or proc.stdout).strip()[-600:]}"], None
    probe = (
        "import importlib, importlib.util, pathlib, sys\n"
        f"root = pathlib.Path({str(folder.resolve())!r})\n"
        "bad = []\n"
        "for name in ('edugrad', 'starter', 'hw3', 'grader', 'grader.cli', 'hw3.word2vec',\n"
        "             'hw3.handin', 'hw3.condor_dryrun', 'hw3.sweep', 'starter.ops'):\n"
        "    mod = importlib.import_module(name)\n"
        "    if root not in pathlib.Path(mod.__file__).resolve().parents:\n"
        "        bad.append(f'{name} imported from {mod.__file__}, not the release')\n"
        "for name in ('grader.solution', 'grader.rubric.hidden', 'grader.catalog'):\n"
        "    try:\n"
        "        found = importlib.util.find_spec(name)\n"
        "    except ImportError:\n"
        "        found = None\n"
        "    if found is not None:\n"
        "        bad.append(f'{name} is importable from the release install')\n"
        "print('\\n'.join(bad))\n"
    )
    proc = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                          cwd=work, env={**_clean_env(), "HOME": str(work)})
    if proc.returncode != 0:
        return [f"importing the installed release failed: {proc.stderr.strip()[-600:]}"], python
    return [line for line in proc.stdout.splitlines() if line.strip()], python


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "MAKE", "MFLAGS"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


SCORE = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")


def check_make_test(folder: Path, python: Path, work: Path, log) -> list[str]:
    """`make test` in the release on the untouched stubs: runs, reports a score of 0."""
    start = time.monotonic()
    proc = subprocess.run(["make", "--no-print-directory", "test", f"PY={python}"],
                          cwd=folder, capture_output=True, text=True, timeout=600,
                          env={**_clean_env(), "HOME": str(work)})
    out = proc.stdout + proc.stderr
    log(f"  make test: exit {proc.returncode} in {time.monotonic() - start:.1f} s")
    if "Traceback (most recent call last)" in out:
        return [f"make test printed a traceback:\n{out[-1500:]}"]
    lines = [line for line in out.splitlines() if re.search(r"score", line, re.IGNORECASE)]
    scores = [SCORE.search(line) for line in lines]
    scores = [m for m in scores if m]
    if not scores:
        return [f"make test printed no estimated score (exit {proc.returncode}):\n{out[-1500:]}"]
    got, total = float(scores[-1].group(1)), float(scores[-1].group(2))
    if got != 0 or total <= 0:
        return [f"make test on the stubs reported {got:g}/{total:g}, expected 0 out of a "
                "positive total"]
    if proc.returncode == 0:
        return ["make test exited 0 on the stubs; it should fail until the ops are written"]
    log(f"  make test on the stubs: {got:g}/{total:g}")
    return []


def verify(folder: Path, archive: Path | None = None, root: Path = ROOT, log=print,
           run: bool = True) -> list[str]:
    """Problems with the release (empty when it is good).

    The static checks look at ``folder``; installing and `make test` run on a copy
    unpacked from ``archive`` (when given: that proves the archive too), so the
    shipped folder never collects caches from the verification."""
    problems = check_paths(folder)
    solution = root / "grader" / "solution" / "ops.py"
    if solution.is_file():
        problems += find_solution_code(folder, solution)
    else:
        problems.append("grader/solution/ops.py is missing here, so the release cannot be "
                        "checked for solution code; run make release in the full repository")
    if not run:
        return problems
    with tempfile.TemporaryDirectory(prefix="hw3-release-check-") as tmp:
        work = Path(tmp)
        copy = work / "unpacked" / folder.name
        if archive is not None:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(work / "unpacked", filter="data")
        else:
            shutil.copytree(folder, copy)
        if not copy.is_dir():
            return problems + [f"{archive} does not unpack into {folder.name}/"]
        install_problems, python = check_install(copy, work, log)
        problems += install_problems
        if python is not None and not install_problems:
            problems += check_make_test(copy, python, work, log)
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.release",
        description="Build the student release in dist/ (folder + .tar.gz) and verify it: "
                    "nothing secret in it, no solution code, it installs and imports, and "
                    "`make test` inside it scores the stubs 0.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--no-verify", action="store_true", help="build only")
    args = parser.parse_args(argv)
    try:
        folder, archive, files = build(args.dist)
    except (ReleaseError, OSError) as err:
        print(f"make release: {err}", file=sys.stderr)
        return 1
    size = archive.stat().st_size
    print(f"Built {folder}/ ({len(files)} files) and {archive} ({size / 1e6:.1f} MB).")
    if not (ROOT / "data" / "real").is_dir():
        print("note: data/real/ is absent (run `make data` first to ship the real corpora).")
    if args.no_verify:
        return 0
    print("Verifying the release ...")
    problems = verify(folder, archive)
    if problems:
        print("make release: the release FAILED verification:\n  - "
              + "\n  - ".join(problems), file=sys.stderr)
        return 1
    print("Verified: no solution, hidden tests or catalogs; installs and imports; make test "
          "scores the stubs 0.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
