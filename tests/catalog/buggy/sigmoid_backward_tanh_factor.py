# BUG: sigmoid.backward uses 0.5 * (1 - tanh(a/2)**2), twice the right derivative 0.25 * (1 - tanh(a/2)**2).
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op



@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return 0.5 * (1 + np.tanh(a / 2))

    @staticmethod
    def backward(ctx, grad_output):
        t = np.tanh(ctx.a / 2)
        return (grad_output * 0.5 * (1 - t * t),)


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
