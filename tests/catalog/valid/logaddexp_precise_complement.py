# VALID: sigmoid = exp(-logaddexp(0, -a)); backward uses s * sigmoid(-a) (more precise than s*(1-s)); log backward = g * exp(-log(a)).
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op



@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.exp(-np.logaddexp(0.0, -a))

    @staticmethod
    def backward(ctx, grad_output):
        a = ctx.a
        s = np.exp(-np.logaddexp(0.0, -a))
        one_minus_s = np.exp(-np.logaddexp(0.0, a))
        return (grad_output * s * one_minus_s,)


@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
        out = np.log(a)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output * np.exp(-ctx.out),)


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
