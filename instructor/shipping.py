"""What may leave the instructors' hands: the files a build starts from, and the checks
every built tree passes (the student release and the Gradescope bundle alike).

* ``source_files``: what git tracks, or would (new files that are not ignored), so
  nothing ignored ever ships: .venv, dist/, build/, outputs/, grades/, caches.
* ``starter_refusal``: a build is refused while starter/ops.py holds written ops (an
  instructor trying the solution there would hand it out, or let every submission
  import it).
* ``find_oracles``: no gradient oracle in a built tree, that is no code that computes
  an op's gradient for any input: neither the reference solution's code (compared as
  normalised syntax trees, so renaming its variables does not hide it) nor code or a
  copy of any instructors' module the build does not ship (instructor/cases.py and
  reference.py run the solution; the bundle ships the hidden tests and the mistake
  tables, never those).
* ``unresolved_imports``: every import of the project's own packages resolves inside
  the built tree (so shipped code never needs, say, instructor/, and nothing half
  shipped breaks at run time).

What the sandbox keeps secret comes from ``grader.confine`` (the instructors' folder
and ``secret_files``), so the builds and the sandbox's hide list read one source.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

JUNK_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".mypy_cache",
              ".DS_Store", ".ipynb_checkpoints", ".venv", "venv", "dist", "build"}
JUNK_SUFFIXES = (".pyc", ".pyo", ".tmp", ".swp", "~")


def is_junk(rel: str) -> bool:
    parts = rel.split("/")
    return any(p in JUNK_PARTS or p.endswith(".egg-info") for p in parts) \
        or rel.endswith(JUNK_SUFFIXES)


def source_files(root: Path = ROOT) -> list[str]:
    """Files of the working tree that git tracks or would track (committed, staged or
    new but not ignored), as /-separated paths; without git, every file but junk."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, check=True).stdout.decode()
        files = [f for f in out.split("\0") if f and (root / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                 and not p.relative_to(root).as_posix().startswith(".git/")]
    return sorted(f for f in set(files) if not is_junk(f))


# ---------------------------------------------------------------- secrets (one source)
def secret_folder() -> str:
    """The instructors' folder, relative to the repository ("instructor")."""
    from grader import confine

    return Path(os.path.relpath(confine.SECRET, confine.ROOT)).as_posix()


def secret_files() -> list[str]:
    """Files the sandbox keeps from submissions inside folders it shows them, relative
    to the repository (e.g. data/toy/classes.tsv, the gold word classes)."""
    from grader import confine

    return [Path(os.path.relpath(p, confine.ROOT)).as_posix() for p in confine.secret_files()]


def under(rel: str, top: str) -> bool:
    return rel == top or rel.startswith(top.rstrip("/") + "/")


# ---------------------------------------------------------------- the starter
def starter_refusal(build: str, root: Path = ROOT) -> str:
    """Why ``make <build>`` must not run now ('' when starter/ops.py is the stub)."""
    from hw3.ops_loader import unwritten
    from hw3.registry import NAMES

    path = root / "starter" / "ops.py"
    restore = (f"Restore the stub with `git checkout starter/ops.py` (keep your copy "
               f"elsewhere first if you need it), then run `make {build}` again.")
    if not path.is_file():
        return f"make {build}: starter/ops.py is missing, so there is no stub to build from. {restore}"
    stubs = set(unwritten(path))
    written = [name for name in NAMES if name not in stubs]
    if not written:
        return ""
    verb = "is" if len(written) == 1 else "are"
    harm = ("every student would receive those ops" if build == "release" else
            "every submission graded with it could import those ops")
    return (f"make {build}: refused, because starter/ops.py is not the stub: "
            f"{', '.join(written)} {verb} written (in the stub, every op's forward and "
            f"backward only raise NotImplementedError). Built now, {harm}. {restore}")


# ---------------------------------------------------------------- gradient oracles
class _Normalise(ast.NodeTransformer):
    """Forget names (variables, arguments; attributes stay), keep structure + constants."""

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
    return ast.dump(_Normalise().visit(copy.deepcopy(node)), annotate_fields=False)


def _size(node) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, (ast.expr, ast.stmt)))


def _body(fn) -> ast.Module:
    return ast.Module(body=_strip_docstring(fn.body), type_ignores=[])


MIN_BODY_NODES = 6     # smaller solution bodies (e.g. `return a * b`) are too generic to flag
MIN_EXPR_NODES = 7     # smaller backward expressions (e.g. `g * b`, `g / a`) likewise
MIN_MODULE_BODY = 12   # other instructors' functions: only bodies this large are evidence
MIN_TEXT_CHARS = 200   # a shipped file holding this much of an instructors' file verbatim


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def solution_fingerprints(solution: Path) -> tuple[dict, dict]:
    """({body shape: where}, {backward expression shape: where}) of the reference ops."""
    tree = ast.parse(solution.read_text(encoding="utf-8"))
    bodies, exprs = {}, {}
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for fn in [n for n in cls.body if isinstance(n, ast.FunctionDef)]:
            body = _body(fn)
            if _size(body) >= MIN_BODY_NODES:
                bodies[_shape(body)] = f"{cls.name}.{fn.name}"
            if fn.name == "backward":
                for node in ast.walk(body):
                    if isinstance(node, ast.expr) and _size(node) >= MIN_EXPR_NODES:
                        exprs[_shape(node)] = f"{cls.name}.{fn.name}: {ast.unparse(node)}"
    return bodies, exprs


def _texts(folder: Path):
    """(relative path, bytes, text or None) of every file under ``folder``."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        yield path.relative_to(folder).as_posix(), data, text


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def find_solution_code(folder: Path, solution: Path, formulas_allowed=()) -> list[str]:
    """'file:line: what' for every place under ``folder`` that holds the reference's code.

    In the files ``formulas_allowed`` names (the instructors' mistake tables, which
    the bundle ships: their wrong gradients have the shape of the right one, e.g.
    ``g * a * (1 - a)``), only whole function bodies count, not single expressions."""
    bodies, exprs = solution_fingerprints(solution)
    raw = _squash(solution.read_text(encoding="utf-8"))
    found = []
    for rel, _, text in _texts(folder):
        if text is None:
            continue
        if len(raw) > MIN_TEXT_CHARS and raw in _squash(text):
            found.append(f"{rel}: holds the text of the reference solution")
        if not rel.endswith(".py"):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue  # the stubs and students' files may be anything; not solution code
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                where = bodies.get(_shape(_body(node)))
                if where:
                    found.append(f"{rel}:{node.lineno}: {node.name} has the body of the "
                                 f"reference {where}")
            elif isinstance(node, ast.expr) and _size(node) >= MIN_EXPR_NODES \
                    and rel not in formulas_allowed:
                where = exprs.get(_shape(node))
                if where:
                    found.append(f"{rel}:{node.lineno}: `{ast.unparse(node)}` is the "
                                 f"reference {where}")
    return found


def find_copies(folder: Path, sources: list[Path], root: Path = ROOT) -> list[str]:
    """Places under ``folder`` holding a file of ``sources`` (byte for byte, or its text
    with the spacing changed) or the body of one of their functions."""
    whole, texts, bodies = {}, {}, {}
    for path in sources:
        name = path.relative_to(root).as_posix()
        data = path.read_bytes()
        if len(data.strip()) >= 64:
            whole[data] = name
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(_squash(text)) >= MIN_TEXT_CHARS:
            texts[_squash(text)] = name
        if name.endswith(".py"):
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            for fn in _functions(tree):
                if _size(_body(fn)) >= MIN_MODULE_BODY:
                    bodies[_shape(_body(fn))] = f"{name}: {fn.name}"
    found = []
    for rel, data, text in _texts(folder):
        if data in whole:
            found.append(f"{rel} is a copy of {whole[data]}")
            continue
        if text is None:
            continue
        squashed = _squash(text)
        copied = next((name for t, name in texts.items() if t in squashed), None)
        if copied:
            found.append(f"{rel} holds the text of {copied}")
            continue
        if rel.endswith(".py"):
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue
            for fn in _functions(tree):
                where = bodies.get(_shape(_body(fn)))
                if where:
                    found.append(f"{rel}:{fn.lineno}: {fn.name} has the body of {where}")
    return found


def find_oracles(folder: Path, shipped: list[str] = (), root: Path = ROOT) -> list[str]:
    """Gradient oracles under ``folder`` (a built tree): the reference solution's code,
    and code or copies of the instructors' files that ``shipped`` does not list (the
    repository paths of those the build carries on purpose)."""
    secret = secret_folder()
    solution = root / secret / "solution" / "ops.py"
    if not solution.is_file():
        return [f"{secret}/solution/ops.py is missing here, so the build cannot be checked "
                "for solution code; build in the instructors' full repository"]
    kept = set(shipped)
    found = find_solution_code(folder, solution, formulas_allowed=kept)
    sources = [root / rel for rel in source_files(root)
               if under(rel, secret) and rel not in kept]
    return found + find_copies(folder, sources, root)


# ---------------------------------------------------------------- imports
def _imported(tree) -> list[tuple[list[str], int]]:
    """(the dotted names an import may load, its line) for every absolute import."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [([a.name], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(([node.module, *(f"{node.module}.{a.name}" for a in node.names)],
                          node.lineno))
    return found


def _module_exists(folder: Path, dotted: str) -> bool:
    path = folder.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def unresolved_imports(folder: Path, root: Path = ROOT) -> list[str]:
    """'file:line: imports X, which is not in the build' for every import of one of the
    repository's own modules that the built tree ``folder`` does not hold."""
    packages = set(project_packages(root))
    found = []
    for rel, _, text in _texts(folder):
        if not rel.endswith(".py") or text is None:
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for names, line in _imported(tree):
            if names[0].split(".")[0] not in packages:
                continue
            missing = [n for n in names if _module_exists(root, n) or n == names[0]]
            missing = [n for n in missing if not _module_exists(folder, n)]
            if missing:
                found.append(f"{rel}:{line}: imports {missing[0]}, which is not in the build")
    return found


def project_packages(root: Path = ROOT) -> list[str]:
    """The repository's top-level Python packages (folders holding __init__.py)."""
    return sorted(p.name for p in root.iterdir() if (p / "__init__.py").is_file())
