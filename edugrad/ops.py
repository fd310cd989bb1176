"""The operations edugrad provides.  Each one: forward and backward side by side.

Conventions: ``a``, ``b`` are numpy arrays; ``g`` is grad_output = dL/d(output),
with the output's shape.  Each backward returns dL/d(input) for every input, with
that input's shape: the chain rule, dL/da = g * d(output)/da, summed over every
output element that ``a`` influenced.

Some natural ops (an elementwise product of two Tensors, sigmoid, log, a dot
product) are deliberately absent: writing them is the exercise edugrad was made for.
"""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op
from edugrad.scatter import scatter_add_rows
from edugrad.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the backward of numpy broadcasting.

    If ``a`` of shape (3,) was broadcast against (4, 3), each a[j] was used 4 times,
    so its gradient is the sum of the 4 contributions: sum over the added axis.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


@tensor_op
class add(Operation):
    """a + b (numpy broadcasting allowed).  d/da = 1, d/db = 1."""


    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a + b

    @staticmethod
    def backward(ctx, grad_output):
        shape_a, shape_b = ctx.shapes
        return unbroadcast(grad_output, shape_a), unbroadcast(grad_output, shape_b)


@tensor_op
class minus(Operation):
    """a - b (numpy broadcasting allowed).  d/da = 1, d/db = -1."""


    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape, b.shape)
        return a - b

    @staticmethod
    def backward(ctx, grad_output):
        shape_a, shape_b = ctx.shapes
        return unbroadcast(grad_output, shape_a), unbroadcast(-grad_output, shape_b)


@tensor_op
class scale(Operation):
    """factor * a for a plain number ``factor``.  d/da = factor."""


    @staticmethod
    def forward(ctx, a, factor=1.0):
        ctx.factor = factor
        return a * factor

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output * ctx.factor,)


@tensor_op
class matmul(Operation):
    """Matrix product: a (n, m) @ b (m, p) -> (n, p).

    out[i, k] = sum_j a[i, j] b[j, k], so dL/da = g @ b.T  (n, p)(p, m) -> (n, m)
    and dL/db = a.T @ g  (m, n)(n, p) -> (m, p).
    """

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim != 2 or b.ndim != 2:
            raise ValueError(
                f"matmul multiplies two matrices, (n, m) @ (m, p), but got shapes {a.shape} "
                f"and {b.shape}. Make vectors into matrices first, e.g. v.reshape(1, -1) "
                "for a row or v.reshape(-1, 1) for a column."
            )
        ctx.append(a)
        ctx.append(b)
        return a @ b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return grad_output @ b.T, a.T @ grad_output


@tensor_op
class power(Operation):
    """a ** exponent (elementwise, exponent a plain number).  d/da = exponent * a**(exponent-1)."""

    @staticmethod
    def forward(ctx, a, exponent=1):
        ctx.append(a)
        ctx.exponent = exponent
        return a**exponent

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        if ctx.exponent == 0:  # a ** 0 is constant; a ** -1 would give 0 * inf at a = 0
            return (np.zeros_like(grad_output),)
        return (grad_output * ctx.exponent * a ** (ctx.exponent - 1),)


@tensor_op
class relu(Operation):
    """max(a, 0) elementwise.  d/da = 1 where a > 0, else 0."""

    @staticmethod
    def forward(ctx, a):
        ctx.positive = a > 0
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output * ctx.positive,)


@tensor_op
class reduce_sum(Operation):
    """Sum of all elements (axis=None) -> shape (), or along one axis -> that axis removed.

    Every element contributes with weight 1, so dL/da is g copied back over the
    summed axis: np.broadcast_to(g, a.shape) (after re-inserting the axis).
    """


    @staticmethod
    def forward(ctx, a, axis=None):
        ctx.shape = a.shape
        ctx.axis = axis
        return np.sum(a, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        g = grad_output if ctx.axis is None else np.expand_dims(grad_output, ctx.axis)
        return (np.broadcast_to(g, ctx.shape).copy(),)


@tensor_op
class reduce_mean(Operation):
    """Mean of all elements -> shape ().  d/da[i] = 1 / a.size."""


    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.mean(a)

    @staticmethod
    def backward(ctx, grad_output):
        n = int(np.prod(ctx.shape))
        return (np.full(ctx.shape, grad_output / n, dtype=np.result_type(grad_output, 1.0)),)


@tensor_op
class copy_rows(Operation):
    """Stack ``num`` copies of a (d,) vector into a (num, d) matrix.

    Each a[j] appears in all ``num`` rows, so dL/da = g summed over rows.
    """


    @staticmethod
    def forward(ctx, a, num=1):
        if a.ndim != 1:
            raise ValueError(
                f"copy_rows copies a vector of shape (d,) into (num, d), but got shape "
                f"{a.shape}. Pass a 1-D array (e.g. a.reshape(-1))."
            )
        return np.tile(a, (num, 1))

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output.sum(axis=0),)


@tensor_op
class expand(Operation):
    """Repeat ``a`` ``num`` times along a new axis at position ``axis``.

    (B, d) with axis=1, num=K -> (B, K, d): out[b, k, :] = a[b, :] for every k (each
    of B vectors paired with K others).  Each a[b, j] is used
    ``num`` times, so dL/da = g summed over the new axis.

    The output is a read-only view of ``a`` (numpy broadcasting: the new axis has
    stride 0), not ``num`` copies: cheaper, and the same numbers come out.  An op that tries to change it in place
    gets numpy's "assignment destination is read-only" error.
    """

    @staticmethod
    def forward(ctx, a, axis=0, num=1):
        ctx.axis = axis
        a = np.expand_dims(a, axis)
        return np.broadcast_to(a, a.shape[:axis] + (num,) + a.shape[axis + 1:])

    @staticmethod
    def backward(ctx, grad_output):
        # = grad_output.sum(axis=ctx.axis), written as an einsum ("btd->bd" for axis=1):
        # numpy's sum over a middle axis is ~3x slower (measured on (2048, 6, 50) float32).
        letters = "abcdefghijklmnopqrstuvwxyz"[:grad_output.ndim]
        kept = letters.replace(letters[ctx.axis], "")
        return (np.einsum(f"{letters}->{kept}", grad_output),)


@tensor_op
class take_rows(Operation):
    """Row lookup (an embedding): table (V, d), indices int (...) -> (..., d).

    out[..., :] = table[indices[...], :].  Row r of dL/dtable is the sum of g over
    every position whose index is r (a scatter-add; repeated indices accumulate).
    The indices take no gradient (None).
    """


    @staticmethod
    def forward(ctx, table, indices):
        if not np.issubdtype(indices.dtype, np.integer):
            raise TypeError(
                f"take_rows needs integer indices, got dtype {indices.dtype}; "
                "convert them with indices.astype(np.int64)."
            )
        ctx.num_rows = table.shape[0]
        ctx.indices = indices
        try:
            return np.take(table, indices, axis=0)
        except IndexError:
            bad = indices[(indices >= table.shape[0]) | (indices < -table.shape[0])]
            raise IndexError(
                f"take_rows: index {bad.flat[0]} is out of range for a table of "
                f"{table.shape[0]} rows (valid: 0 to {table.shape[0] - 1}). Is the table "
                "big enough for every id (e.g. the vocabulary size)?"
            ) from None

    @staticmethod
    def backward(ctx, grad_output):
        return scatter_add_rows(ctx.num_rows, ctx.indices, grad_output), None


def mse_loss(predicted: Tensor, targets: Tensor) -> Tensor:
    """Mean squared error, mean((predicted - targets) ** 2), built from the ops above."""
    return reduce_mean(minus(predicted, targets) ** 2)
