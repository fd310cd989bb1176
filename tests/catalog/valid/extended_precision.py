# VALID: sigmoid and log computed in np.longdouble and cast back to the input's dtype.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op



@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        x = a.astype(np.longdouble)
        z = np.exp(-np.abs(x))
        s = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
        ctx.s = s
        return s.astype(a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        s = ctx.s
        return ((grad_output * s * (1 - s)).astype(grad_output.dtype),)


@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.log(a.astype(np.longdouble)).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output / ctx.a,)


@tensor_op
class multiply(Operation):
    """Elementwise product."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return grad_output * b, grad_output * a


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
