"""Is a backward differentiating numerically?  Evidence from its source and its run.

The homework exists to derive gradients, so a backward that computes its derivative
numerically (finite differences of any kind, the complex step, dual numbers, or a
numerical differentiator from a library or from the grader) earns no backward
points, however close its numbers are.

Two independent sources of evidence, both specific to numerical differentiation,
so that no analytic backward can trip them:

* the source (read here, never run): in the code ``backward`` can reach (its body
  and the module's functions, classes and names it refers to, transitively), and in
  forward's (which could compute a slope for backward to return): complex numbers, a
  class with arithmetic operators (dual numbers), a difference divided by nothing but
  a small step (``(f(a + h) - f(a - h)) / (2 * h)``, also through names assigned the
  line before, or a secant ``(f(p) - f(q)) / (p - q)``, also of a table's neighbours:
  ``np.diff(t) / np.diff(x)``), or a name from a numerical
  differentiator (edugrad.gradcheck, scipy's approx_fprime, numpy's gradient or polyfit, the
  grader, autodiff libraries);
* the run (sandboxed/probe.py): one of the submission's functions or forwards called
  on an input moved by a small step or on a complex array, a difference quotient
  written inline with numpy (forward or backward), edugrad's numerical checker
  called, or the probe itself replaced by the submission.

An analytic formula evaluates functions at the inputs themselves and divides by
inputs or outputs, never by a bare step; a recomputation of forward on the same
inputs is not evidence.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

from sandboxed.probe import TAMPERED

MESSAGE = ("{op}.backward differentiates numerically ({why}): backward must compute the "
           "derivative from its formula, so no backward check of {op} earns points.")
STEP_MAX = 1e-2  # a literal this small (and nonzero) is a step
ORACLE_MODULES = ("edugrad.gradcheck", "grader", "instructor", "sandboxed", "scipy.optimize",
                  "scipy.differentiate", "scipy.misc", "numdifftools", "jax", "autograd",
                  "torch", "tensorflow", "sympy", "mpmath", "findiff")
ORACLE_NAMES = {"numerical_vjp", "gradcheck", "approx_fprime", "check_grad", "derivative",
                "jacobian", "hessian", "gradient", "grad", "diff", "numerical"}
# numpy's ways to a slope from sampled values: differences of neighbours, a fitted line
NUMPY_SLOPES = {"gradient", "polyfit", "fit", "lstsq"}
COMPLEX_NAMES = {"complex", "complex64", "complex128", "complex256", "complex_", "cdouble",
                 "csingle", "clongdouble", "imag"}
# a complex dtype written as a string ("complex128", "c16", "<c16"), not a message about one
COMPLEX_DTYPE = re.compile(r"[<>=|]?(complex(64|128|256)?|c(8|16|32))")
ADDITIVE = {"__add__", "__radd__", "__sub__", "__rsub__"}
ARITHMETIC = ADDITIVE | {"__mul__", "__rmul__", "__truediv__", "__rtruediv__", "__pow__",
                         "__neg__"}


@dataclass(frozen=True)
class Finding:
    why: str
    line: int


def _is_small(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and 0 < abs(value) <= STEP_MAX


def _step_value(node) -> bool:
    """A small literal, a small literal times something (a relative step), or an
    expression of machine epsilon (np.finfo(float).eps ** 0.5)."""
    if isinstance(node, ast.Constant):
        return _is_small(node.value)
    if isinstance(node, ast.Call) and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):  # float("1e-6"), np.float64("1e-6")
        try:
            return _is_small(float(node.args[0].value))
        except ValueError:
            return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
            isinstance(side, ast.Constant) and _is_small(side.value)
            for side in (node.left, node.right)):
        return True
    return any(isinstance(sub, ast.Attribute) and sub.attr == "eps" for sub in ast.walk(node))


def _bare_name(node) -> str:
    """N for ``N``, ``2 * N``, ``N * 2`` (a denominator that is one name and numbers)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(a, ast.Constant) and isinstance(a.value, (int, float)):
                return _bare_name(b)
    return ""


def _number(node) -> bool:
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))


def _moves_by(node, name: str, assigned: dict | None = None) -> bool:
    """Some ``x + name`` or ``x - name`` (x not a number: ``d - 1`` moves no point by
    ``d``) inside the terms of a difference in ``node`` (``f(a + h) - f(a)``; not the
    difference itself: ``(d - e) / d`` is a quotient, not a step), or inside what the
    names in those terms were assigned (``up = f(a + h)``; ``assigned``: the function's
    own assignments)."""
    todo = [side for sub in ast.walk(node) if isinstance(sub, ast.BinOp)
            and isinstance(sub.op, ast.Sub) for side in (sub.left, sub.right)]
    seen: set[str] = set()
    while todo:
        for sub in ast.walk(todo.pop()):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.Add, ast.Sub)) \
                    and any(isinstance(side, ast.Name) and side.id == name
                            and not _number(other)
                            for side, other in ((sub.left, sub.right), (sub.right, sub.left))):
                return True
            if isinstance(sub, ast.Name) and assigned and sub.id in assigned \
                    and sub.id != name and sub.id not in seen:
                seen.add(sub.id)
                todo.extend(assigned[sub.id])
    return False


def _main_block(node) -> bool:
    """``if __name__ == "__main__":``: code that never runs when ops.py is imported."""
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and isinstance(test, ast.Compare) \
        and isinstance(test.left, ast.Name) and test.left.id == "__name__"


def _walk_run_on_import(tree: ast.Module):
    """ast.walk of ``tree`` without its ``__main__`` blocks (a student's self-test may
    import a checker; the ops never see it)."""
    todo = [n for n in tree.body if not _main_block(n)]
    while todo:
        node = todo.pop()
        yield node
        todo.extend(child for child in ast.iter_child_nodes(node) if not _main_block(child))


def _local_names(node) -> set[str]:
    """Names a function binds itself (parameters, assignments, loop and with targets):
    they shadow the module's definitions and imports of the same name."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return set()
    args = node.args
    found = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    found |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            found.add(sub.id)
    return found


class _Module:
    """The submission's top-level definitions and imports, by name."""

    def __init__(self, tree: ast.Module):
        self.defs: dict[str, ast.AST] = {}
        self.imports: dict[str, str] = {}  # local name -> dotted origin
        self.steps: set[str] = set()       # module-level names bound to a small literal
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name) and node.value is not None:
                        self.defs[t.id] = node.value
        self.attributes: set[str] = set()  # every name used after a dot (obj.name)
        for node in _walk_run_on_import(tree):
            if isinstance(node, ast.Attribute):
                self.attributes.add(node.attr)
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imports[a.asname or a.name.split(".")[0]] = \
                        a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    self.imports[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in tree.body:
            if isinstance(node, ast.Assign) and _step_value(node.value):
                self.steps.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def op_class(self, name: str) -> ast.ClassDef | None:
        node = self.defs.get(name)
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
            node = self.defs.get(node.args[0].id)  # name = tensor_op(_Op)
        return node if isinstance(node, ast.ClassDef) else None

    def method(self, cls: ast.ClassDef, name: str, depth: int = 0):
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                return node
        for base in cls.bases:  # a base class defined in the same file
            root = base.value if isinstance(base, ast.Attribute) else base
            if isinstance(root, ast.Name) and depth < 10:
                parent = self.op_class(root.id)
                if parent is not None:
                    found = self.method(parent, name, depth + 1)
                    if found is not None:
                        return found
        return None


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _reachable(module: _Module, start: ast.AST) -> list[ast.AST]:
    """``start`` and every top-level definition it refers to, transitively."""
    seen, todo, found = set(), [start], []
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        local = _local_names(node)
        for sub in ast.walk(node):
            name = sub.id if isinstance(sub, ast.Name) else None
            if name and name in module.defs and name not in local:
                todo.append(module.defs[name])
    return found


def _origin(module: _Module, dotted: str) -> str:
    head, _, rest = dotted.partition(".")
    origin = module.imports.get(head)
    if origin is None:
        return ""
    return f"{origin}.{rest}" if rest else origin


def _oracle(module: _Module, node: ast.AST) -> Finding | None:
    local = _local_names(node)
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in sub.names] if isinstance(sub, ast.Import) else \
                [f"{sub.module}.{a.name}" for a in sub.names if sub.module]
            for name in names:
                if _flagged_module(name):
                    return Finding(f"it imports {name}", sub.lineno)
        if isinstance(sub, (ast.Name, ast.Attribute)) and _dotted(sub).split(".")[0] not in local:
            origin = _origin(module, _dotted(sub))
            if origin and (_flagged_module(origin) or (
                    origin.split(".")[0] == "numpy" and origin.split(".")[-1] in NUMPY_SLOPES)):
                return Finding(f"it uses {origin}", sub.lineno)
        if isinstance(sub, ast.Call) and _dotted(sub.func) in ("__import__",
                                                              "importlib.import_module"):
            text = " ".join(str(a.value) for a in sub.args if isinstance(a, ast.Constant))
            if any(_flagged_module(part) for part in text.split()):
                return Finding(f"it imports {text}", sub.lineno)
    return None


def _flagged_module(name: str) -> bool:
    name = str(name)
    if any(name == m or name.startswith(m + ".") for m in ORACLE_MODULES):
        # e.g. `from scipy.optimize import minimize` is not a differentiator by itself
        last = name.rsplit(".", 1)[-1]
        top = name.split(".")[0]
        return top in ("edugrad", "grader", "instructor", "sandboxed", "numdifftools", "jax",
                       "autograd", "torch", "tensorflow", "findiff") \
            or last in ORACLE_NAMES or name in ORACLE_MODULES
    return False


def _complex(node: ast.AST) -> Finding | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, complex):
            return Finding("it uses complex numbers: the complex step", sub.lineno)
        if isinstance(sub, ast.Attribute) and sub.attr in COMPLEX_NAMES:
            return Finding("it uses complex numbers: the complex step", sub.lineno)
        if isinstance(sub, ast.Name) and sub.id in COMPLEX_NAMES:
            return Finding("it uses complex numbers: the complex step", sub.lineno)
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) \
                and COMPLEX_DTYPE.fullmatch(sub.value.strip()):
            return Finding("it uses complex numbers: the complex step", sub.lineno)
    return None


def _dual(module: _Module, node: ast.AST) -> Finding | None:
    if isinstance(node, ast.ClassDef):
        methods = {n.name for n in node.body if isinstance(n, (ast.FunctionDef,
                                                               ast.AsyncFunctionDef))}
        if len(methods & ARITHMETIC) >= 2 and (methods & ADDITIVE or _product_rule(node)):
            return Finding(f"it uses the class {node.name}, which overloads arithmetic: "
                           "dual numbers", node.lineno)
    return None


def _product_rule(cls: ast.ClassDef) -> bool:
    """A sum of two products in one of the class's methods: ``a.d * b.v + a.v * b.d``."""
    def product(n):
        return isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)
    return any(isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.Add, ast.Sub))
               and product(sub.left) and product(sub.right) for sub in ast.walk(cls))


def _only_step(module: _Module, node: ast.AST, local_steps: set[str],
               shadowed: frozenset = frozenset()) -> bool:
    """``node`` is built from small steps and numbers only, with at least one step
    (``shadowed``: module-level names the function rebinds to something else)."""
    has_step = False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if (sub.id not in module.steps or sub.id in shadowed) and sub.id not in local_steps:
                return False
            has_step = True
        elif isinstance(sub, ast.Constant):
            if not isinstance(sub.value, (int, float)) or isinstance(sub.value, bool):
                return False
            has_step |= _is_small(sub.value)
        elif isinstance(sub, ast.Attribute | ast.Call | ast.Subscript):
            return False
    return has_step


def _neighbours(node) -> str:
    """What ``node`` differences neighbouring entries by ('' if it does not): the slices
    of ``t[1:] - t[:-1]``, or "diff" for ``np.diff(t)``."""
    if isinstance(node, ast.Call) and _dotted(node.func).split(".")[-1] in ("diff", "ediff1d"):
        return "diff"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) \
            and all(isinstance(side, ast.Subscript) for side in (node.left, node.right)) \
            and ast.dump(node.left.value) == ast.dump(node.right.value):
        return " ".join(sorted((ast.dump(node.left.slice), ast.dump(node.right.slice))))
    return ""


def _secant(node: ast.BinOp) -> str:
    """``(f(p) - f(q)) / (p - q)``, inside any factors: the slope between two points; also
    of a table, ``(t[1:] - t[:-1]) / (x[1:] - x[:-1])`` or ``np.diff(t) / np.diff(x)``.
    What it found, or ''."""
    if not isinstance(node.op, ast.Div):
        return ""
    over = _neighbours(node.right)
    if over and any(_neighbours(sub) == over for sub in ast.walk(node.left)):
        return ("it divides differences of neighbouring values in a table by the distances "
                "between their points: finite differences")
    if not isinstance(node.right, ast.BinOp) or not isinstance(node.right.op, ast.Sub):
        return ""
    points = {ast.dump(node.right.left), ast.dump(node.right.right)}
    for sub in ast.walk(node.left):
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Sub) \
                and all(isinstance(c, ast.Call) and c.args for c in (sub.left, sub.right)) \
                and ast.dump(sub.left.func) == ast.dump(sub.right.func) \
                and {ast.dump(sub.left.args[0]), ast.dump(sub.right.args[0])} == points:
            return ("it divides the difference of a function's values at two points by the "
                    "distance between them: finite differences")
    return ""


def _default_steps(node: ast.AST) -> set[str]:
    """Parameters of ``node``'s functions and lambdas whose default is a small number."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = sub.args
            pairs = [*zip(args.args[::-1], args.defaults[::-1]),
                     *zip(args.kwonlyargs, args.kw_defaults)]
            found.update(arg.arg for arg, default in pairs
                         if isinstance(default, ast.Constant) and _is_small(default.value))
    return found


def _difference_quotient(module: _Module, node: ast.AST) -> Finding | None:
    local_steps, assigned = _default_steps(node), {}
    for sub in ast.walk(node):  # steps computed locally, e.g. h = 1e-6 * max(1, |a|)
        if isinstance(sub, ast.Assign) and _step_value(sub.value):
            local_steps.update(t.id for t in sub.targets if isinstance(t, ast.Name))
        if isinstance(sub, ast.Assign):
            for target in sub.targets:
                pairs = [(target, sub.value)]
                if isinstance(target, ast.Tuple) and isinstance(sub.value, ast.Tuple) \
                        and len(target.elts) == len(sub.value.elts):
                    pairs = list(zip(target.elts, sub.value.elts))  # up, down = f(a+h), f(a-h)
                for name, value in pairs:
                    if isinstance(name, ast.Name):
                        assigned.setdefault(name.id, []).append(value)
    shadowed = frozenset(_local_names(node) - local_steps)
    for sub in ast.walk(node):
        if not isinstance(sub, ast.BinOp):
            continue
        differs = any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)
                      for n in ast.walk(sub.left))
        if isinstance(sub.op, ast.Div) and differs and _only_step(module, sub.right,
                                                                   local_steps, shadowed):
            return Finding("it divides a difference by a small step: finite differences",
                           sub.lineno)
        secant = _secant(sub)
        if secant:
            return Finding(secant, sub.lineno)
        step = _bare_name(sub.right) if isinstance(sub.op, ast.Div) else ""
        if step and differs and _moves_by(sub.left, step, assigned):
            return Finding(f"it divides a difference of values at points moved by `{step}` "
                           f"by `{step}`: finite differences", sub.lineno)
        if isinstance(sub.op, ast.Mult):
            for factor, other in ((sub.left, sub.right), (sub.right, sub.left)):
                if isinstance(factor, ast.BinOp) and isinstance(factor.op, ast.Div) \
                        and isinstance(factor.left, ast.Constant) \
                        and _only_step(module, factor.right, local_steps, shadowed) \
                        and any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)
                                for n in ast.walk(other)):
                    return Finding("it multiplies a difference by 1 / (a small step): "
                                   "finite differences", sub.lineno)
    return None


@functools.lru_cache(maxsize=8)
def _parsed(source: str) -> _Module | None:
    try:
        return _Module(ast.parse(source))
    except (SyntaxError, ValueError, RecursionError):
        return None


@functools.lru_cache(maxsize=64)
def _from_source(source: str, op: str) -> tuple[Finding, ...]:
    return tuple(from_source(source, op))


def from_source(source: str, op: str) -> list[Finding]:
    """What the source shows about ``op``'s backward (empty: nothing numerical), and
    about its forward, which could compute a derivative numerically for backward to
    return."""
    module = _parsed(source)
    if module is None:
        return []
    cls = module.op_class(op)
    backward = module.method(cls, "backward") if cls is not None else None
    if backward is None:
        return []
    found = []
    forward = module.method(cls, "forward")
    seen = _reachable(module, backward)
    extra = [n for n in (_reachable(module, forward) if forward is not None else [])
             if all(n is not m for m in seen)]
    for where, nodes in (("", seen), ("in forward, ", extra)):
        for node in nodes:
            parts = _used_parts(module, node) if isinstance(node, ast.ClassDef) else [node]
            hits = [_dual(module, node)] + [
                hit for part in parts for hit in (_oracle(module, part), _complex(part),
                                                  _difference_quotient(module, part))]
            found += [Finding(where + hit.why, hit.line) for hit in hits if hit]
    return found


def _used_parts(module: _Module, cls: ast.ClassDef) -> list[ast.AST]:
    """What of a class reached from backward can run: its class-level statements, its
    operators, and the methods the module refers to by name (``Op.helper(...)``); an
    unused self-check method is never called."""
    return [stmt for stmt in cls.body
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
            or stmt.name.startswith("__") or stmt.name in module.attributes]


def verdict(op: str, source: str, probed: list[str]) -> str:
    """The one-sentence feedback when ``op``'s backward is numerical, else ''."""
    findings = _from_source(source, op)
    if findings:
        first = min(findings, key=lambda f: f.line)
        why = f"{first.why}, ops.py line {first.line}"
    elif probed and probed[0].startswith(TAMPERED):
        return (f"{op}.backward could not be checked for numerical differentiation: "
                f"{probed[0]}, so no backward check of {op} earns points.")
    elif probed:
        why = probed[0]
    else:
        return ""
    return MESSAGE.format(op=op, why=why)
