# VALID: backward pops the saved arrays off ctx; 0-d forward results and gradients are returned as Python floats.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op



@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        z = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(s)
        return float(s) if s.ndim == 0 else s

    @staticmethod
    def backward(ctx, grad_output):
        s = ctx.pop()
        g = grad_output * s * (1 - s)
        return (float(g) if np.ndim(g) == 0 else g,)


@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        out = np.log(a)
        return float(out) if out.ndim == 0 else out

    @staticmethod
    def backward(ctx, grad_output):
        a = ctx.pop()
        g = grad_output / a
        return (float(g) if np.ndim(g) == 0 else g,)


@tensor_op
class multiply(Operation):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        b = ctx.pop()
        a = ctx.pop()
        return grad_output * b, grad_output * a


@tensor_op
class dot(Operation):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        out = np.sum(a * b, axis=-1)
        return float(out) if np.ndim(out) == 0 else out

    @staticmethod
    def backward(ctx, grad_output):
        b = ctx.pop()
        a = ctx.pop()
        g = np.asarray(grad_output)[..., None]
        return g * b, g * a
