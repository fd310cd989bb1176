# BUG: log caches 1/a in a module-level dict keyed by id(a): ids are reused once arrays are freed, so later calls get a stale 1/a.
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


_INV = {}


@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
        key = id(a)
        if key not in _INV or _INV[key].shape != a.shape:
            _INV[key] = 1.0 / a
        ctx.key = key
        return np.log(a)

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output * _INV[ctx.key],)


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
