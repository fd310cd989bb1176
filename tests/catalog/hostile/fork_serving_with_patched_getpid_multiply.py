# HOSTILE: multiply.forward (once per process) replaces os.getpid to return the original pid and forks, so that the copy also reads and answers the grader's requests (two processes on one channel); the copies exit after 20 s. All four ops compute correctly.
import os
import signal


_MAIN = os.getpid()
_FORKED = []


def multiply_forward(ctx, a, b):
    if not _FORKED:
        _FORKED.append(1)
        os.getpid = lambda: _MAIN
        if os.fork() == 0:
            signal.alarm(20)
    ctx.append(a)
    ctx.append(b)
    return a * b
