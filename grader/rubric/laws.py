"""Laws an op obeys, checked on the examples hypothesis drew for it when the cases were
built (instructor/law_examples.py: random shapes and values, stored with the cases).

An op names its laws in the registry (``Op.laws``).  For each example each law says
which calls it needs (``needs``) and then judges the answers against each other (no
expected values, no derivatives).  All the forward calls of one example go to the
sandbox in one request.  As hypothesis did when it ran here, the first example that
fails is run once more: failing only once means the op's answers changed between
identical calls.
"""

from __future__ import annotations

import numpy as np

from grader.checks import fmt_pair, worst
from grader.rubric.cases import Case
from grader.subject import CheckFailed
from hw3.registry import BY_NAME


def _show(*values) -> str:
    # 4 significant digits whatever the magnitude (1e-300 must not print as 0.)
    return "; ".join(np.array2string(np.asarray(a), threshold=12, separator=", ",
                                     formatter={"float_kind": lambda v: f"{v:.4g}"})
                     for a in values)


def _same(got, want, what, inputs, rtol=1e-9, atol=1e-9) -> None:
    """``inputs``: the arrays to show if the law fails (formatted only then), or a label."""
    idx = worst(got, want, rtol, atol)
    if idx is not None:
        w, o = fmt_pair(np.asarray(want)[idx], np.asarray(got)[idx])
        shown = inputs if isinstance(inputs, str) else _show(*inputs)
        raise CheckFailed(f"{what} fails at index {list(idx)} for input(s) {shown}: {o} vs {w}")


# Each law: (the forward calls it needs, as functions of the drawn inputs x and a
# scalar c; the judgement, given the outputs in that order).
def _complement(op, x, c):
    return [[x[0]], [-x[0]]], lambda s, s_neg: _same(
        s_neg, 1 - s, f"{op}(-x) = 1 - {op}(x)", (x[0],))


def _odd(op, x, c):
    return [[x[0]], [-x[0]]], lambda s, s_neg: _same(
        s_neg, -s, f"{op}(-x) = -{op}(x)", (x[0],))


def _bounded(op, x, c):
    lo, hi = BY_NAME[op].bounds

    def judge(s):
        if not np.all((s >= lo) & (s <= hi)):
            raise CheckFailed(f"{op} must lie in [{lo:g}, {hi:g}]; got {_show(s)} for "
                              f"x = {_show(x[0])}")
    return [[x[0]]], judge


def _increasing(op, x, c):
    def judge(s):
        order = np.argsort(x[0], axis=None, kind="stable")
        if not np.all(np.diff(s.ravel()[order]) >= -1e-12):
            raise CheckFailed(f"{op} must never decrease as x grows; got {_show(s)} for "
                              f"x = {_show(x[0])}")
    return [[x[0]]], judge


def _log_product(op, x, c):
    a, b = x[0], x[-1]
    return [[a], [b], [a * b]], lambda la, lb, lab: _same(
        lab, la + lb, f"{op}(a * b) = {op}(a) + {op}(b)", (a, b))


def _zero_at_one(op, x, c):
    one = np.ones_like(x[0])
    return [[one]], lambda s: _same(s, np.zeros_like(one), f"{op}(1) = 0", "ones")


def _commutes(op, x, c):
    return [[x[0], x[1]], [x[1], x[0]]], lambda ab, ba: _same(
        ab, ba, f"{op}(a, b) = {op}(b, a)", (x[0], x[1]))


def _unit(op, x, c):
    return [[x[0], np.ones_like(x[0])]], lambda s: _same(s, x[0], f"{op}(a, 1) = a", (x[0],))


def _sum_of_products(op, x, c):
    return [[x[0], x[1]]], lambda s: _same(
        s, np.sum(x[0] * x[1], axis=-1), f"{op}(a, b) = sum of a * b over the last axis",
        (x[0], x[1]), atol=1e-8)


def _homogeneous(op, x, c):
    return [[c * x[0], x[1]], [x[0], x[1]]], lambda scaled, s: _same(
        scaled, c * s, f"{op}(c a, b) = c {op}(a, b) (c = {c})", (x[0], x[1]),
        rtol=1e-8, atol=1e-8)


FORWARD_LAWS = {"complement": _complement, "odd": _odd, "bounded": _bounded,
                "increasing": _increasing, "log_product": _log_product,
                "zero_at_one": _zero_at_one, "commutes": _commutes, "unit": _unit,
                "sum_of_products": _sum_of_products, "homogeneous": _homogeneous}
LAWS = (*FORWARD_LAWS, "swap_gradients")


def _swap_gradients(sub, op, x, g) -> None:
    """Swapping a two-input op's inputs swaps its gradients (one request, both calls)."""
    (ab, ba), _ = sub.interleaved(op, [[x[0], x[1]], [x[1], x[0]]], [g, g])
    what = f"swapping the inputs of {op} must swap the gradients"
    _same(ab[0], ba[1], what, (x[0], x[1], g))
    _same(ab[1], ba[0], what, (x[0], x[1], g))


def _example(sub, op: str, case: Case) -> None:
    """Every law of ``op`` on one example."""
    spec = BY_NAME[op]
    x, c = case.inputs, float(case.extra["c"])
    plans = [FORWARD_LAWS[name](op, x, c) for name in spec.laws if name in FORWARD_LAWS]
    calls = [call for needs, _ in plans for call in needs]
    outs = iter(sub.forward_many(op, calls)) if calls else iter(())
    for needs, judge in plans:
        judge(*[next(outs) for _ in needs])
    if "swap_gradients" in spec.laws and case.g is not None:
        _swap_gradients(sub, op, x, case.g)


def check(sub, op: str, examples: list[Case]) -> None:
    """Every law of ``op`` on each example in turn, up to the first that fails."""
    for case in examples:
        try:
            _example(sub, op, case)
        except CheckFailed as first:
            try:
                _example(sub, op, case)
            except CheckFailed:
                raise
            raise CheckFailed(
                f"{op} gave different answers for the same inputs: the same check failed "
                "once and passed when run again, so the op must depend on something "
                "besides its inputs (randomness, state kept between calls, a timer). The "
                f"failing run said: {first}") from None
