# HOSTILE: writes frames of its own on the worker's response pipe: sigmoid.forward a reply whose value is no number and then hangs, log.forward a reply nested 300 000 deep and then hangs, multiply.forward a valid-looking extra reply before returning correctly (to shift every later answer by one); dot is correct.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import numpy as np

from edugrad.operation import Operation, tensor_op
import json
import os
import struct
import sys
import time


def _raw(header):
    os.write(int(sys.argv[2]), struct.pack(">I", len(header)) + header + struct.pack(">Q", 0))


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        _raw(json.dumps({"ok": True, "out": {"__scalar__": "not-a-number"},
                         "inputs_after": [], "warnings": []}).encode())
        time.sleep(30)

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx
        return (grad_output * s * (1 - s),)


@tensor_op
class log(Operation):
    """Elementwise natural logarithm, for a > 0."""

    @staticmethod
    def forward(ctx, a):
        n = 300_000
        _raw(b'{"ok": true, "out": ' + b"[" * n + b"]" * n + b"}")
        time.sleep(30)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return (grad_output / a,)


@tensor_op
class multiply(Operation):
    """Elementwise product of two arrays of the same shape."""

    @staticmethod
    def forward(ctx, a, b):
        _raw(json.dumps({"ok": True, "out": 0.0, "outs": [], "grads": [], "inputs_after": [],
                         "warnings": []}).encode())
        ctx.append(a)
        ctx.append(b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return grad_output * b, grad_output * a


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
        g = grad_output[..., None]
        return g * b, g * a
