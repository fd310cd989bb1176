# VALID: module-level helper functions; sigmoid saves its input and recomputes sigma(a) in backward; dot reuses a helper.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op


def _stable_sigmoid(x):
    """sigma(x) without overflow: only exp of non-positive numbers."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _rowwise_dot(x, y):
    return np.einsum("...i,...i->...", x, y)


def _spread(g):
    """Give one number per vector pair a trailing axis so it broadcasts over d."""
    return np.asarray(g)[..., None]


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return _stable_sigmoid(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        s = _stable_sigmoid(a)
        return (grad_output * s * (1.0 - s),)


@tensor_op
class log(Operation):
    """Elementwise natural logarithm, for a > 0."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        # d log(a) / da = 1 / a
        return (grad_output / a,)


@tensor_op
class multiply(Operation):
    """Elementwise product of two arrays of the same shape."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        grad_a = grad_output * b
        grad_b = grad_output * a
        return grad_a, grad_b


@tensor_op
class dot(Operation):
    """Dot product along the last axis: (..., d) x (..., d) -> (...)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return _rowwise_dot(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return _spread(grad_output) * b, _spread(grad_output) * a
