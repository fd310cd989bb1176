# VALID: slow but correct: sigmoid and log are per-element Python loops with math.exp/math.log (stable branches).
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op
import math



def _sig_scalar(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        flat = [_sig_scalar(float(x)) for x in a.ravel()]
        s = np.array(flat, dtype=np.float64).reshape(a.shape)
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx
        g = np.array([gi * si * (1.0 - si) for gi, si in zip(grad_output.ravel(), s.ravel())],
                     dtype=np.float64).reshape(s.shape)
        return (g,)


@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.array([math.log(float(x)) for x in a.ravel()], dtype=np.float64).reshape(a.shape)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return (np.array([g / x for g, x in zip(grad_output.ravel(), a.ravel())],
                         dtype=np.float64).reshape(a.shape),)


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
