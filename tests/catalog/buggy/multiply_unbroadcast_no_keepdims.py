# BUG: multiply's unbroadcast helper sums length-1 axes without keepdims, so gradients lose every length-1 axis ((4, 1) becomes (4,)).
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op



@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function."""

    @staticmethod
    def forward(ctx, a):
        z = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx
        return (grad_output * s * (1 - s),)


@tensor_op
class log(Operation):
    """Elementwise natural log."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return (grad_output / a,)


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis in reversed(range(len(shape))):
        if shape[axis] == 1:
            g = g.sum(axis=axis)
    return g


@tensor_op
class multiply(Operation):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return _unbroadcast(grad_output * b, a.shape), _unbroadcast(grad_output * a, b.shape)


@tensor_op
class dot(Operation):
    """Dot product along the last axis."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=-1)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = grad_output[..., None]
        return g * b, g * a
