"""Laws each op must obey, checked by hypothesis over shapes and values."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.checks import fmt_pair, worst
from grader.rubric.helpers import arrays, expect, shapes


def _same(got, want, what, inputs, rtol=1e-9, atol=1e-9):
    idx = worst(got, want, rtol, atol)
    if idx is not None:
        w, o = fmt_pair(np.asarray(want)[idx], np.asarray(got)[idx])
        expect(False, f"{what} fails at index {list(idx)} for input(s) {inputs}: {o} vs {w}")


def _show(*arrays_):
    # 4 significant digits whatever the magnitude (1e-300 must not print as 0.)
    return "; ".join(np.array2string(np.asarray(a), threshold=12, separator=", ",
                                     formatter={"float_kind": lambda v: f"{v:.4g}"})
                     for a in arrays_)


@pytest.mark.sigmoid_properties
@pytest.mark.points(2)
@given(data=st.data())
def test_sigmoid_laws(sub, data):
    """sigmoid(-x) = 1 - sigmoid(x), values in [0, 1], never decreasing"""
    x = data.draw(arrays(data.draw(shapes()), -30, 30))
    s = sub.forward("sigmoid", x)
    s_neg = sub.forward("sigmoid", -x)
    _same(s_neg, 1 - s, "sigmoid(-x) = 1 - sigmoid(x)", _show(x))
    expect(bool(np.all((s >= 0) & (s <= 1))),
           f"sigmoid must lie in [0, 1]; got {_show(s)} for x = {_show(x)}")
    order = np.argsort(x, axis=None, kind="stable")
    expect(bool(np.all(np.diff(s.ravel()[order]) >= -1e-12)),
           f"sigmoid must never decrease as x grows; got {_show(s)} for x = {_show(x)}")


@pytest.mark.log_properties
@pytest.mark.points(2)
@given(data=st.data())
def test_log_laws(sub, data):
    """log(a * b) = log(a) + log(b), log(1) = 0"""
    shape = data.draw(shapes())
    a = data.draw(arrays(shape, 1e-3, 1e3))
    b = data.draw(arrays(shape, 1e-3, 1e3))
    la, lb, lab = sub.forward("log", a), sub.forward("log", b), sub.forward("log", a * b)
    _same(lab, la + lb, "log(a * b) = log(a) + log(b)", _show(a, b))
    one = sub.forward("log", np.ones(shape))
    _same(one, np.zeros(shape), "log(1) = 0", _show(np.ones(shape)))


@pytest.mark.multiply_properties
@pytest.mark.points(2)
@given(data=st.data())
def test_multiply_laws(sub, data):
    """a * b = b * a, a * 1 = a, swapping the inputs swaps the gradients"""
    shape = data.draw(shapes())
    a, b, g = (data.draw(arrays(shape, -10, 10)) for _ in range(3))
    _same(sub.forward("multiply", a, b), sub.forward("multiply", b, a),
          "multiply(a, b) = multiply(b, a)", _show(a, b))
    _same(sub.forward("multiply", a, np.ones(shape)), a, "multiply(a, 1) = a", _show(a))
    ab = sub.backward("multiply", [a, b], g).grads
    ba = sub.backward("multiply", [b, a], g).grads
    _same(ab[0], ba[1], "swapping the inputs of multiply must swap the gradients",
          _show(a, b, g))
    _same(ab[1], ba[0], "swapping the inputs of multiply must swap the gradients",
          _show(a, b, g))


@pytest.mark.dot_properties
@pytest.mark.points(2)
@given(data=st.data())
def test_dot_laws(sub, data):
    """dot(a, b) = dot(b, a) = sum of a * b over the last axis; dot(c a, b) = c dot(a, b)"""
    shape = data.draw(shapes())
    a, b = data.draw(arrays(shape, -10, 10)), data.draw(arrays(shape, -10, 10))
    c = data.draw(st.floats(-4, 4))
    ab = sub.forward("dot", a, b)
    _same(ab, sub.forward("dot", b, a), "dot(a, b) = dot(b, a)", _show(a, b))
    _same(ab, np.sum(a * b, axis=-1), "dot(a, b) = sum of a * b over the last axis",
          _show(a, b), atol=1e-8)
    _same(sub.forward("dot", c * a, b), c * ab, f"dot(c a, b) = c dot(a, b) (c = {c})",
          _show(a, b), rtol=1e-8, atol=1e-8)
