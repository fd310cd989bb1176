"""Laws an op obeys, checked on random shapes and values drawn by hypothesis.

An op names its laws in the registry (``Op.laws``); each law here draws what it
needs from ``data`` and checks the submission's answers against each other (no
expected values, no derivatives).  A law fails with the inputs that broke it.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.checks import fmt_pair, worst
from grader.subject import CheckFailed
from hw3.registry import BY_NAME


def shapes(min_dims=1, max_dims=4, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def arrays(shape, lo, hi):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False,
                                                              allow_infinity=False))


def _show(*values) -> str:
    # 4 significant digits whatever the magnitude (1e-300 must not print as 0.)
    return "; ".join(np.array2string(np.asarray(a), threshold=12, separator=", ",
                                     formatter={"float_kind": lambda v: f"{v:.4g}"})
                     for a in values)


def _same(got, want, what, inputs, rtol=1e-9, atol=1e-9) -> None:
    idx = worst(got, want, rtol, atol)
    if idx is not None:
        w, o = fmt_pair(np.asarray(want)[idx], np.asarray(got)[idx])
        raise CheckFailed(f"{what} fails at index {list(idx)} for input(s) {inputs}: {o} vs {w}")


def _draw(data, op: str, shape=None, n=None):
    spec = BY_NAME[op]
    shape = data.draw(shapes()) if shape is None else shape
    lo, hi = spec.span
    return shape, [data.draw(arrays(shape, lo, hi)) for _ in range(n or len(spec.inputs))]


def complement(sub, op, data):
    _, (x,) = _draw(data, op)
    s, s_neg = sub.forward(op, x), sub.forward(op, -x)
    _same(s_neg, 1 - s, f"{op}(-x) = 1 - {op}(x)", _show(x))


def odd(sub, op, data):
    _, (x,) = _draw(data, op)
    _same(sub.forward(op, -x), -sub.forward(op, x), f"{op}(-x) = -{op}(x)", _show(x))


def bounded(sub, op, data):
    lo, hi = BY_NAME[op].bounds
    _, (x,) = _draw(data, op)
    s = sub.forward(op, x)
    if not np.all((s >= lo) & (s <= hi)):
        raise CheckFailed(f"{op} must lie in [{lo:g}, {hi:g}]; got {_show(s)} for x = {_show(x)}")


def increasing(sub, op, data):
    _, (x,) = _draw(data, op)
    s = sub.forward(op, x)
    order = np.argsort(x, axis=None, kind="stable")
    if not np.all(np.diff(s.ravel()[order]) >= -1e-12):
        raise CheckFailed(f"{op} must never decrease as x grows; got {_show(s)} for "
                          f"x = {_show(x)}")


def log_product(sub, op, data):
    _, (a, b) = _draw(data, op, n=2)
    la, lb, lab = sub.forward(op, a), sub.forward(op, b), sub.forward(op, a * b)
    _same(lab, la + lb, f"{op}(a * b) = {op}(a) + {op}(b)", _show(a, b))


def zero_at_one(sub, op, data):
    shape = data.draw(shapes())
    _same(sub.forward(op, np.ones(shape)), np.zeros(shape), f"{op}(1) = 0", "ones")


def commutes(sub, op, data):
    _, (a, b) = _draw(data, op)
    _same(sub.forward(op, a, b), sub.forward(op, b, a), f"{op}(a, b) = {op}(b, a)", _show(a, b))


def unit(sub, op, data):
    shape, (a, _) = _draw(data, op)
    _same(sub.forward(op, a, np.ones(shape)), a, f"{op}(a, 1) = a", _show(a))


def swap_gradients(sub, op, data):
    shape, (a, b) = _draw(data, op)
    g = data.draw(arrays(BY_NAME[op].output_shape(shape), -10, 10))
    ab = sub.backward(op, [a, b], g).grads
    ba = sub.backward(op, [b, a], g).grads
    what = f"swapping the inputs of {op} must swap the gradients"
    _same(ab[0], ba[1], what, _show(a, b, g))
    _same(ab[1], ba[0], what, _show(a, b, g))


def sum_of_products(sub, op, data):
    _, (a, b) = _draw(data, op)
    _same(sub.forward(op, a, b), np.sum(a * b, axis=-1),
          f"{op}(a, b) = sum of a * b over the last axis", _show(a, b), atol=1e-8)


def homogeneous(sub, op, data):
    _, (a, b) = _draw(data, op)
    c = data.draw(st.floats(-4, 4))
    _same(sub.forward(op, c * a, b), c * sub.forward(op, a, b),
          f"{op}(c a, b) = c {op}(a, b) (c = {c})", _show(a, b), rtol=1e-8, atol=1e-8)


LAWS = {f.__name__: f for f in (complement, odd, bounded, increasing, log_product,
                                zero_at_one, commutes, unit, swap_gradients, sum_of_products,
                                homogeneous)}


def titles(op: str) -> str:
    return ", ".join(name.replace("_", " ") for name in BY_NAME[op].laws)


def check(sub, op: str, data) -> None:
    for name in BY_NAME[op].laws:
        LAWS[name](sub, op, data)
