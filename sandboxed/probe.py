"""Evidence of how a backward computes its gradient: facts for the grader, no verdict.

A backward must compute the derivative from its formula.  One that differentiates
numerically evaluates some function at points next to its inputs (finite
differences), at complex points (the complex step), or hands the job to a numerical
differentiator.  ``run`` calls forward, then backward on the same ctx while watching

* edugrad's own numerical checker (``edugrad.gradcheck``: ``numerical_vjp``,
  ``gradcheck``), wrapped by ``install`` before the submission is imported;
* every function defined in the submission and every ``forward`` of its classes:
  a call made during backward with an argument that is an input moved by a small
  step (every element by one amount or one factor, or a single element), or a
  complex array;
* numpy itself, in forward and backward: the inputs are handed over as ``Watched``
  arrays, which see every numpy operation on them and on what is computed from them
  (numpy's converters keep the marks meanwhile).  A difference taken between values
  computed at a moved input and divided by a small step (or multiplied by its large
  reciprocal) is a difference quotient, written inline; a complex result is the
  complex step.  An input moved alone (an epsilon guard: ``a + 1e-12``) is not.

Calls on the inputs themselves (an analytic backward may recompute forward) are not
evidence.  Each piece of evidence is one short sentence.  ``backward_watched`` watches
the submission's functions during ordinary backward requests too, and ``guard`` tells
whether the submission replaced any of this.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import types

import numpy as np

# numpy's names as they were when the probe was imported, before the submission was: a
# submission that replaces np.allclose or np.add at import does not blind the probe.
_np = types.SimpleNamespace(**{name: getattr(np, name) for name in (
    "ndarray", "generic", "float64", "abs", "all", "any", "max", "asarray", "array",
    "isfinite", "allclose", "add", "subtract", "multiply", "divide", "true_divide",
    "moveaxis", "errstate", "delete", "count_nonzero", "ndim", "array_equal", "maximum", "float32")})

_STATE = {"watching": False, "phase": "", "mode": "probe", "seen": [], "inputs": [],
          "calls": []}
STEP_MAX = 1e-2  # a move of at most this (relative to the input's scale) is a "step"


def _note(text: str) -> None:
    if _STATE["watching"] and text not in _STATE["seen"]:
        _STATE["seen"].append(text)


def install() -> None:
    """Wrap edugrad's numerical checker, so that calls made during backward show."""
    import edugrad
    import edugrad.gradcheck  # noqa: F401 - the module (edugrad.gradcheck is also a function)

    checker = sys.modules["edugrad.gradcheck"]

    for name in ("numerical_vjp", "gradcheck"):
        original = getattr(checker, name)
        wrapped = _announcing(original, f"backward calls edugrad.gradcheck.{name}, a "
                                        "numerical differentiator")
        setattr(checker, name, wrapped)
        if getattr(edugrad, name, None) is original:
            setattr(edugrad, name, wrapped)


TAMPERED = "your code replaced parts of the grader's check of how backward computes"


def guard(*held):
    """A function telling what of ``held`` (modules and dicts), of this module, of
    ``Watched`` and of the numpy the probe keeps differs from now; made before the
    submission is imported.  It keeps what it needs in its own defaults, so replacing
    the functions of these modules (or builtins) does not change what it says."""
    tables = [h if type(h) is dict else vars(h) for h in (*held, sys.modules[__name__])]
    tables += [vars(Watched), vars(_np)]
    before, missing = [dict(t) for t in tables], object()

    def changed(tables=tables, before=before, missing=missing, sorted=sorted, set=set,
                zip=zip, len=len):
        found = []
        for table, old in zip(tables, before):
            if len(table) != len(old) or set(table) != set(old):
                found.append(f"names added or removed ({len(old)} -> {len(table)})")
                continue
            found += [str(k) for k in old if table.get(k, missing) is not old[k]]
        return sorted(set(found))

    return changed


def _announcing(fn, text: str):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _note(text)
        return fn(*args, **kwargs)

    return wrapper


def _moved(x, inputs) -> str:
    """How array ``x`` relates to the inputs: '' (no evidence), or what it is."""
    if not isinstance(x, _np.ndarray):
        return ""
    x = _plain(x)
    if x.dtype.kind == "c":
        return "a complex array (the complex step)"
    if x.dtype.kind != "f" or _at_input(x, inputs):  # an input itself (another one may
        return ""                                        # lie a small step from it)
    for a in (*inputs, *(-b for b in inputs)):
        if a.shape != x.shape or a.size == 0:
            continue
        d = x.astype(_np.float64) - a
        if not _np.all(_np.isfinite(d)) or not _np.any(d):
            continue
        scale = max(1.0, float(_np.max(_np.abs(a))))
        if _np.max(_np.abs(d)) > STEP_MAX * scale:
            continue
        nonzero = _np.count_nonzero(d)
        flat = d.ravel()
        if nonzero == 1 and a.size > 1:
            return "an input with one element moved by a small step"
        if _np.allclose(flat, flat[0], rtol=1e-6, atol=0):
            return "an input moved by a small step"
        with _np.errstate(divide="ignore", invalid="ignore"):
            ratio = (d / a).ravel()
        ratio = ratio[_np.isfinite(ratio)]
        if ratio.size == a.size and _np.allclose(ratio, ratio[0], rtol=1e-6, atol=0):
            return "an input scaled by (1 + a small step)"
        if _STATE["mode"] == "probe" and _own_steps(x, a, d):
            return "an input moved by small steps of its own size"
    for a in inputs:  # points stacked along a new first or last axis: [a - h, a, a + h]
        for axis in (0, -1):
            if x.ndim == a.ndim + 1 and _np.delete(x.shape, axis).tolist() == list(a.shape) \
                    and x.shape[axis] <= 16:
                for part in _np.moveaxis(x, axis, 0):
                    if _moved(part, inputs):
                        return "an input moved by small steps, the points stacked in one array"
    return ""


def _own_steps(x, a, d) -> bool:
    """Every element moved one way by a small step of its own (``np.spacing(a) * 2**26``),
    not rounded (rounding, to float32 or in recomputing the input, moves both ways)."""
    size, scale = _np.abs(d), _np.abs(a)
    return (bool(_np.all(d > 0)) or bool(_np.all(d < 0))) \
        and bool(_np.all(size > 1e-12 * scale)) \
        and bool(_np.all(size <= STEP_MAX * _np.maximum(scale, 1.0))) \
        and not _np.array_equal(x, x.astype(_np.float32))


def _at_input(x, inputs) -> bool:
    return isinstance(x, _np.ndarray) and any(
        a.shape == x.shape and (_np.array_equal(x, a) or _np.array_equal(x, -a)) for a in inputs)


def _watching(fn, label: str, inputs):
    """``fn``, noting (probe) or recording (ordinary requests, see ``backward_watched``)
    the points it is evaluated at during backward."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _STATE["watching"] and _STATE["phase"] == "backward":
            try:
                with _np.errstate(all="ignore"):  # no warning of ours counts as the code's
                    _look_at(label, inputs, (*args, *kwargs.values()))
            except Exception:  # noqa: BLE001 - watching must never change what fn does
                pass
        return fn(*args, **kwargs)

    return wrapper


def _look_at(label: str, inputs, values) -> None:
    """Note (probe) or record (ordinary requests) where a watched function is called."""
    for value in values:
        what = _moved(value, inputs)
        if what and (_STATE["mode"] == "probe" or "complex" in what):
            _note(f"backward evaluates {label} at {what}: finite differences"
                  if "complex" not in what else f"backward evaluates {label} at {what}")
            return
        if _STATE["mode"] == "calls" and (what or _at_input(value, inputs)):
            if len(_STATE["calls"]) < 10_000:  # a point and its negation count as one
                point = _plain(value)
                _STATE["calls"].append((label, what, min(point.tobytes(), (-point).tobytes())))
            return


class Watched(_np.ndarray):
    """An input as the probe hands it to forward.  Each numpy operation on it (or on
    what is computed from it) returns a ``Watched`` array whose ``marks`` say where
    its values come from: "moved" (computed at an input moved by a small step) and
    "difference" (a difference with such a value in it)."""

    marks: frozenset = frozenset()

    def __array_finalize__(self, obj):
        self.marks = getattr(obj, "marks", frozenset())

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        plain = [_plain(a) for a in args]
        outs = kwargs.get("out")
        if outs:
            kwargs["out"] = tuple(_plain(o) for o in outs)
        result = getattr(ufunc, method)(*plain, **kwargs)
        marks = frozenset().union(*(_marks(a) for a in args))
        if _STATE["watching"]:
            try:
                with _np.errstate(all="ignore"):
                    marks = _judge(ufunc, method, args, plain, result, marks)
            except Exception:  # noqa: BLE001 - watching must never change the result
                pass
        if outs:
            for o in outs:
                if isinstance(o, Watched):
                    o.marks = marks
            return outs[0] if len(outs) == 1 else outs
        return _wrap(result, marks)

    def __array_function__(self, func, types, args, kwargs):
        result = super().__array_function__(func, types, args, kwargs)
        found = [a for a in (*args, *kwargs.values()) if isinstance(a, Watched)]
        found += [b for a in args if isinstance(a, (list, tuple))
                  for b in a if isinstance(b, Watched)]
        marks = frozenset().union(*(a.marks for a in found))
        return _wrap(result, marks) if found else result  # np.where's result stays watched


# numpy's functions that hand back a plain array for a Watched one; while the probe
# runs, what they return for a Watched array keeps its marks.
CONVERTERS = ("asarray", "array", "asanyarray", "ascontiguousarray", "asfortranarray", "copy")


def _keeping_marks(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        if args and isinstance(args[0], Watched) and isinstance(result, _np.ndarray) \
                and not isinstance(result, Watched):
            return _wrap(result, args[0].marks)
        return result

    return wrapper


def _plain(x):
    return x.view(_np.ndarray) if isinstance(x, Watched) else x


def _marks(x) -> frozenset:
    return x.marks if isinstance(x, Watched) else frozenset()


def _wrap(result, marks: frozenset):
    if isinstance(result, tuple):
        return tuple(_wrap(r, marks) for r in result)
    if isinstance(result, _np.ndarray):
        out = result.view(Watched)
        out.marks = marks
        return out
    if marks and isinstance(result, _np.generic) and result.dtype.kind in "fc":
        return _wrap(_np.asarray(result), marks)  # a 0-d array keeps the marks
    return result


def _small(x, scale: float) -> bool:
    """Every element of ``x`` nonzero and at most a step (relative to ``scale``)."""
    x = _np.asarray(x)
    if x.dtype.kind not in "fiu" or x.size == 0:
        return False
    x = _np.abs(x.astype(_np.float64))
    return bool(_np.all(x > 0) and _np.all(x <= STEP_MAX * scale))


def _large(x, scale: float) -> bool:
    x = _np.asarray(x)
    if x.dtype.kind not in "fiu" or x.size == 0:
        return False
    return bool(_np.all(_np.abs(x.astype(_np.float64)) >= scale / STEP_MAX))


def _judge(ufunc, method, args, plain, result, marks: frozenset) -> frozenset:
    """``marks`` for ``ufunc(*args)``'s result, noting a difference quotient or a
    complex step when this operation completes one."""
    phase = _STATE["phase"]
    if isinstance(result, (_np.ndarray, _np.generic)) and result.dtype.kind == "c":
        if any(isinstance(a, Watched) for a in args):
            _note(f"{phase} computes with complex numbers made from its input: the complex step")
        return marks
    if method != "__call__" or not isinstance(result, _np.ndarray):
        return marks
    inputs = _STATE["inputs"]
    scale = max([1.0, *(float(_np.max(_np.abs(a))) for a in inputs if a.size)])
    if ufunc in (_np.add, _np.subtract) and len(args) == 2 \
            and any("moved" in _marks(a) for a in args) \
            and not any(isinstance(a, (int, float)) for a in args):  # not 1 + exp(-a - h)
        marks = marks | {"difference"}
    if ufunc in (_np.divide, _np.true_divide) and len(args) == 2 \
            and "difference" in _marks(args[0]) and _small(plain[1], scale):
        _note(f"{phase} divides a difference of values computed at an input moved by a small "
              "step by that step: finite differences" if "difference" not in _marks(args[1])
              else f"{phase} divides a difference of values computed at two nearby points by "
              "the distance between the points (a secant): finite differences")
    if ufunc is _np.multiply and len(args) == 2:
        for this, other in ((0, 1), (1, 0)):
            if "difference" in _marks(args[this]) and "difference" not in _marks(args[other]) \
                    and _large(plain[other], scale):
                _note(f"{phase} multiplies a difference of values computed at an input moved by "
                      "a small step by one over the step: finite differences")
    if result.dtype.kind == "f" and _moved(result, inputs):
        marks = marks | {"moved"}
    return marks


def _targets(module):
    """(owner, attribute name, label) for what to watch in the submission; whatever
    cannot be looked at (a hostile ``__getattr__``) is left out."""
    found = []
    for name, value in list(vars(module).items()):
        try:
            found += _targets_of(module, name, value)
        except Exception:  # noqa: BLE001 - watching must never change what the code does
            continue
    return found


def _targets_of(module, name: str, value) -> list:
    if inspect.isfunction(value) and getattr(value, "__module__", None) == module.__name__:
        return [(module, name, f"`{name}`")]
    if isinstance(value, type) and getattr(value, "__module__", None) == module.__name__:
        found = []
        for attr, member in list(vars(value).items()):
            raw = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if inspect.isfunction(raw):
                found.append((value, attr, f"`{value.__name__}.{attr}`"))
        return found
    if callable(value) and isinstance(getattr(value, "op_class", None), type):
        if "forward" in vars(value.op_class):
            return [(value.op_class, "forward", f"`{name}.forward`")]
    return []


def _watch_functions(module, originals) -> list:
    """Wrap the submission's functions and forwards (see ``_watching``); what to put back."""
    patched = []
    for owner, attr, label in _targets(module):
        try:
            raw = vars(owner).get(attr)
            fn = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
            wrapped = _watching(fn, label, originals)
            if isinstance(raw, staticmethod):
                wrapped = staticmethod(wrapped)
            elif isinstance(raw, classmethod):
                wrapped = classmethod(wrapped)
            setattr(owner, attr, wrapped)
        except Exception:  # noqa: BLE001 - what cannot be wrapped is not watched
            continue
        patched.append((owner, attr, raw))
    return patched


def _put_back(patched: list) -> None:
    for owner, attr, raw in reversed(patched):
        try:
            setattr(owner, attr, raw)
        except Exception:  # noqa: BLE001
            pass


@contextlib.contextmanager
def backward_watched(module, inputs):
    """The submission's own functions watched while an ordinary request's backward runs
    (``inputs``: copies of the inputs forward was given); yields the list the evidence
    is added to.  So a backward that behaves only while ``run`` probes it shows too.
    These inputs include tails and tiny values, where a guard (``np.maximum(a, tiny)``,
    ``np.clip``) can move an element, so one call at a moved point is not enough here: a
    function must be evaluated at two points (a point and its negation count as one),
    one of them moved as a whole, or at two points each with one element moved (or at
    complex points)."""
    seen, patched = [], _watch_functions(module, inputs)
    _STATE.update(seen=[], calls=[], watching=True, phase="backward", mode="calls")
    try:
        yield seen
    finally:
        _STATE.update(watching=False, phase="", mode="probe")
        points: dict[str, set] = {}
        moved: dict[str, dict] = {}  # label -> {moved point: how}
        for label, what, point in _STATE["calls"]:
            points.setdefault(label, set()).add(point)
            if what:
                moved.setdefault(label, {})[point] = what
        seen += [s[:300] for s in _STATE["seen"][:5]]
        for label, hows in list(moved.items())[:5]:
            whole = [w for w in hows.values() if "one element" not in w]
            if (whole and len(points[label]) >= 2) or len(hows) >= 2:
                seen.append(f"backward evaluates {label} at {(whole or list(hows.values()))[0]} "
                            "and at other points: finite differences")
        _STATE.update(seen=[], calls=[])
        _put_back(patched)


def run(op_class, module, inputs: list[_np.ndarray], grad_output, plain: bool = False
        ) -> list[str]:
    """Forward, then backward while watching; the evidence (see the module docstring).
    Code that fails on ``Watched`` inputs is run again on plain ones (``plain``: only
    those), where only its own functions are watched: failing on the probe's arrays
    hides nothing the plain run can see."""
    from edugrad.operation import Context

    originals = [_np.array(a) for a in inputs]
    inputs = [_np.array(a) if plain else _np.array(a).view(Watched) for a in inputs]
    patched, failed = [], False
    try:
        patched = _watch_functions(module, originals)
        for name in () if plain else CONVERTERS:
            patched.append((np, name, getattr(np, name)))
            setattr(np, name, _keeping_marks(getattr(np, name)))
        ctx = Context()
        g = _np.array(grad_output)
        g.flags.writeable = False
        _STATE["seen"], _STATE["inputs"] = [], originals
        _STATE["watching"] = True
        try:
            _STATE["phase"] = "forward"
            op_class.forward(ctx, *inputs)
            _STATE["phase"] = "backward"
            op_class.backward(ctx, g)
        finally:
            _STATE["watching"], _STATE["phase"] = False, ""
    except Exception:  # noqa: BLE001 - a crash here is judged by the other checks
        failed = True
    finally:
        _put_back(patched)
    seen, _STATE["seen"], _STATE["inputs"] = list(_STATE["seen"]), [], []
    if failed and not plain and not seen:
        return run(op_class, module, originals, grad_output, plain=True)
    return [s[:300] for s in seen[:5]]
