"""One entry per edugrad op: how to call it, a numpy reference, and its input domain.

The value, gradient and property tests in test_edugrad_ops.py all walk this list, so
a new op gets the whole battery by adding one ``OpCase`` here.

Each case's ``draw`` is a hypothesis strategy giving ``(arrays, options)``: the op's
positional array inputs (float64, except integer indices) and its keyword options.
Domains avoid points where the op is not differentiable (relu's kink, a fractional
power at 0), since finite differences are meaningless there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from edugrad import Tensor, ops

MAX_SIDE = 4


def floats(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float = 0.05, high: float = 3.0) -> st.SearchStrategy[float]:
    """Values with |x| in [low, high]: either sign, never near 0."""
    return st.one_of(floats(low, high), floats(-high, -low))


SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=MAX_SIDE)


def array(shape, elements=None) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements if elements is not None else floats())


@st.composite
def one_array(draw, elements=None, shapes=SHAPES):
    return (draw(array(draw(shapes), elements)),), {}


@st.composite
def broadcasting_pair(draw):
    """Two arrays whose shapes broadcast together (one may have fewer or size-1 axes)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3,
                                                    max_side=MAX_SIDE))
    a, b = (draw(array(s)) for s in shapes.input_shapes)
    return (a, b), {}


@st.composite
def same_shape_pair(draw):
    shape = draw(SHAPES)
    return (draw(array(shape)), draw(array(shape))), {}


@st.composite
def matmul_pair(draw):
    n, m, p = (draw(st.integers(1, MAX_SIDE)) for _ in range(3))
    return (draw(array((n, m))), draw(array((m, p)))), {}


@st.composite
def scale_input(draw):
    (a,), _ = draw(one_array())
    return (a,), {"factor": draw(floats())}


@st.composite
def power_input(draw):
    exponent = draw(st.sampled_from([0, 1, 2, 3, -1, 0.5, 1.5, -2.5]))
    if float(exponent).is_integer() and exponent >= 0:
        elements = floats()
    else:  # a ** 0.5 and a ** -1 need a > 0, away from 0
        elements = floats(0.5, 3.0)
    (a,), _ = draw(one_array(elements))
    return (a,), {"exponent": exponent}


@st.composite
def axis_input(draw):
    """One array and axis=None or any valid axis (negative ones included)."""
    (a,), _ = draw(one_array())
    axis = draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1)))
    return (a,), {"axis": axis}


@st.composite
def copy_rows_input(draw):
    (a,), _ = draw(one_array(shapes=hnp.array_shapes(min_dims=1, max_dims=1, max_side=MAX_SIDE)))
    return (a,), {"num": draw(st.integers(1, MAX_SIDE))}


@st.composite
def expand_input(draw):
    (a,), _ = draw(one_array(shapes=hnp.array_shapes(min_dims=1, max_dims=2, max_side=MAX_SIDE)))
    axis = draw(st.integers(0, a.ndim))
    return (a,), {"axis": axis, "num": draw(st.integers(1, MAX_SIDE))}


@st.composite
def take_rows_input(draw):
    """A (V, d) table and integer indices of shape (n,) or (n, m); small V forces repeats."""
    v = draw(st.integers(1, MAX_SIDE))
    d = draw(st.integers(1, MAX_SIDE))
    idx_shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=6))
    indices = draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, v - 1)))
    return (draw(array((v, d))), indices), {}


def _power_reference(a, exponent):
    return a ** exponent


def _expand_reference(a, axis, num):
    return np.stack([a] * num, axis=axis)


@dataclass(frozen=True)
class OpCase:
    name: str
    op: Callable  # a @tensor_op function, or a function built from several ops
    reference: Callable[..., np.ndarray]  # the same computation written directly in numpy
    draw: st.SearchStrategy  # (arrays, options)
    composite: bool = False  # True: not a single op (checked through autograd, not gradcheck)

    def __str__(self) -> str:
        return self.name


CATALOGUE: list[OpCase] = [
    OpCase("add", ops.add, lambda a, b: a + b, broadcasting_pair()),
    OpCase("minus", ops.minus, lambda a, b: a - b, broadcasting_pair()),
    OpCase("scale", ops.scale, lambda a, factor: factor * a, scale_input()),
    OpCase("matmul", ops.matmul, lambda a, b: np.einsum("ij,jk->ik", a, b), matmul_pair()),
    OpCase("power", ops.power, _power_reference, power_input()),
    OpCase("relu", ops.relu, lambda a: np.where(a > 0, a, 0.0), one_array(away_from_zero())),
    OpCase("reduce_sum", ops.reduce_sum, lambda a, axis: np.add.reduce(a, axis=axis),
           axis_input()),
    OpCase("reduce_mean", ops.reduce_mean, lambda a: np.add.reduce(a, axis=None) / a.size,
           one_array()),
    OpCase("copy_rows", ops.copy_rows, lambda a, num: np.stack([a] * num), copy_rows_input()),
    OpCase("expand", ops.expand, _expand_reference, expand_input()),
    OpCase("take_rows", ops.take_rows,
           lambda table, indices: np.stack([table[i] for i in indices.reshape(-1)]).reshape(
               indices.shape + table.shape[1:]),
           take_rows_input()),
    OpCase("mse_loss", ops.mse_loss, lambda p, t: np.square(p - t).sum() / p.size,
           same_shape_pair(), composite=True),
]

BY_NAME = {case.name: case for case in CATALOGUE}


def float_positions(arrays) -> list[int]:
    return [i for i, a in enumerate(arrays) if np.issubdtype(a.dtype, np.floating)]


def autograd_vjp(case: OpCase, arrays, options, upstream) -> list[np.ndarray]:
    """dL/d(input) through edugrad's autograd, L = sum(upstream * op(...)), float inputs only."""
    inputs = [Tensor(a.copy()) for a in arrays]
    out = case.op(*inputs, **options)
    out.backward(upstream)
    return [inputs[i].grad for i in float_positions(arrays)]


def numeric_vjp(case: OpCase, arrays, options, upstream, eps: float = 1e-6) -> list[np.ndarray]:
    """The same by central differences of the op's own forward (works for composites)."""
    arrays = [a.copy() for a in arrays]
    grads = []
    for i in float_positions(arrays):
        x = arrays[i]
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            old = x[j]
            x[j] = old + eps
            plus = np.sum(upstream * case.op(*arrays, **options).value)
            x[j] = old - eps
            minus = np.sum(upstream * case.op(*arrays, **options).value)
            x[j] = old
            g[j] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads
