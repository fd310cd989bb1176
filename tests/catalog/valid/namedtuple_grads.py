# VALID: backward returns namedtuples (a tuple subclass) of gradients.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op
from collections import namedtuple


Grad1 = namedtuple("Grad1", "a")
Grad2 = namedtuple("Grad2", "a b")


@tensor_op
class sigmoid(Operation):
    @staticmethod
    def forward(ctx, a):
        z = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx
        return Grad1(grad_output * s * (1 - s))


@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return Grad1(a=grad_output / a)


@tensor_op
class multiply(Operation):
    @staticmethod
    def forward(ctx, a, b):
        ctx.extend([a, b])
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return Grad2(a=grad_output * b, b=grad_output * a)


@tensor_op
class dot(Operation):
    @staticmethod
    def forward(ctx, a, b):
        ctx.extend([a, b])
        return np.einsum("...i,...i", a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return Grad2(np.einsum("...,...i->...i", grad_output, b),
                     np.einsum("...,...i->...i", grad_output, a))
