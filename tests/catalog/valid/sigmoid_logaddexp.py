# VALID: sigmoid as exp(-logaddexp(0, -a)) (no scipy), log backward as grad * (1/a), dot via np.sum(a*b, axis=-1).
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        # log(1 + exp(-a)) computed without overflow
        s = np.exp(-np.logaddexp(0, -a))
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        s = ctx[0]
        return (grad_output * (s - s * s),)


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
        return (grad_output * (1 / a),)


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
        return np.sum(a * b, axis=-1)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        # one number per pair of vectors: give it a length-1 last axis so it
        # broadcasts over the d entries of that pair
        g = grad_output[..., None]
        return g * b, g * a
