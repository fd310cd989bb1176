"""Reference implementation of the four HW3 operations (instructors only)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op


@tensor_op
class sigmoid(Operation):
    """1 / (1 + exp(-a)), computed from exp(-|a|) <= 1 so nothing overflows.

    d sigma / da = sigma (1 - sigma).
    """

    @staticmethod
    def forward(ctx, a):
        z = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx
        return (grad_output * out * (1 - out),)


@tensor_op
class log(Operation):
    """Natural log; d log a / da = 1 / a."""

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
    """a * b; dL/da = g * b, dL/db = g * a."""

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
    """sum over the last axis of a * b; dL/da = g[..., None] * b, dL/db = g[..., None] * a."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return np.einsum("...i,...i->...", a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        # = grad_output[..., None] * b (and * a), written as an einsum: the same products,
        # but numpy's broadcasting multiply runs one short inner loop per row of length d,
        # which made it the slowest step of SGNS training (bench/results.md).
        grad_a = np.einsum("...,...i->...i", grad_output, b)
        grad_b = np.einsum("...,...i->...i", grad_output, a)
        return grad_a, grad_b
