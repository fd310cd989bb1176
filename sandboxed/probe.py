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
  complex array.

Calls on the inputs themselves (an analytic backward may recompute forward) are not
evidence.  Each piece of evidence is one short sentence.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

_STATE = {"watching": False, "seen": []}
STEP_MAX = 1e-2  # a move of at most this (relative to the input's scale) is a "step"


def _note(text: str) -> None:
    if _STATE["watching"] and text not in _STATE["seen"]:
        _STATE["seen"].append(text)


def install() -> None:
    """Wrap edugrad's numerical checker, so that calls made during backward show."""
    import sys

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


def _announcing(fn, text: str):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _note(text)
        return fn(*args, **kwargs)

    return wrapper


def _moved(x, inputs) -> str:
    """How array ``x`` relates to the inputs: '' (no evidence), or what it is."""
    if not isinstance(x, np.ndarray):
        return ""
    if x.dtype.kind == "c":
        return "a complex array (the complex step)"
    if x.dtype.kind != "f":
        return ""
    for a in inputs:
        if a.shape != x.shape or a.size == 0:
            continue
        d = x.astype(np.float64) - a
        if not np.all(np.isfinite(d)) or not np.any(d):
            continue
        scale = max(1.0, float(np.max(np.abs(a))))
        if np.max(np.abs(d)) > STEP_MAX * scale:
            continue
        nonzero = np.count_nonzero(d)
        flat = d.ravel()
        if nonzero == 1 and a.size > 1:
            return "an input with one element moved by a small step"
        if np.allclose(flat, flat[0], rtol=1e-6, atol=0):
            return "an input moved by a small step"
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (d / a).ravel()
        ratio = ratio[np.isfinite(ratio)]
        if ratio.size == a.size and np.allclose(ratio, ratio[0], rtol=1e-6, atol=0):
            return "an input scaled by (1 + a small step)"
    return ""


def _watching(fn, label: str, inputs):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _STATE["watching"]:
            for value in (*args, *kwargs.values()):
                what = _moved(value, inputs)
                if what:
                    _note(f"backward evaluates {label} at {what}: finite differences"
                          if "complex" not in what else
                          f"backward evaluates {label} at {what}")
                    break
        return fn(*args, **kwargs)

    return wrapper


def _targets(module):
    """(owner, attribute name, label) for what to watch in the submission."""
    found = []
    for name, value in list(vars(module).items()):
        if inspect.isfunction(value) and getattr(value, "__module__", None) == module.__name__:
            found.append((module, name, f"`{name}`"))
        elif isinstance(value, type) and getattr(value, "__module__", None) == module.__name__:
            for attr, member in list(vars(value).items()):
                raw = member.__func__ if isinstance(member, (staticmethod, classmethod)) \
                    else member
                if inspect.isfunction(raw):
                    found.append((value, attr, f"`{value.__name__}.{attr}`"))
        elif callable(value) and isinstance(getattr(value, "op_class", None), type):
            op_class = value.op_class
            if "forward" in vars(op_class):
                found.append((op_class, "forward", f"`{name}.forward`"))
    return found


def run(op_class, module, inputs: list[np.ndarray], grad_output) -> list[str]:
    """Forward, then backward while watching; the evidence (see the module docstring)."""
    from edugrad.operation import Context

    inputs = [np.array(a) for a in inputs]
    originals = [a.copy() for a in inputs]
    patched = []
    try:
        for owner, attr, label in _targets(module):
            raw = vars(owner).get(attr)
            fn = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
            wrapped = _watching(fn, label, originals)
            if isinstance(raw, staticmethod):
                wrapped = staticmethod(wrapped)
            elif isinstance(raw, classmethod):
                wrapped = classmethod(wrapped)
            try:
                setattr(owner, attr, wrapped)
            except (AttributeError, TypeError):
                continue
            patched.append((owner, attr, raw))
        ctx = Context()
        op_class.forward(ctx, *inputs)
        g = np.array(grad_output)
        g.flags.writeable = False
        _STATE["seen"] = []
        _STATE["watching"] = True
        try:
            op_class.backward(ctx, g)
        finally:
            _STATE["watching"] = False
    except Exception:  # noqa: BLE001 - a crash here is judged by the other checks
        pass
    finally:
        for owner, attr, raw in reversed(patched):
            try:
                setattr(owner, attr, raw)
            except (AttributeError, TypeError):
                pass
    seen, _STATE["seen"] = list(_STATE["seen"]), []
    return [s[:300] for s in seen[:5]]
