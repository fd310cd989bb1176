# HOSTILE: dot.forward forks 50 children (once per process) that sleep 20 s each, holding the inherited pipes open; the result is correct.
import os
import time


_forked = False


def dot_forward(ctx, a, b):
    global _forked
    if not _forked:
        _forked = True
        for _ in range(50):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(20)
                os._exit(0)
    ctx.append(a)
    ctx.append(b)
    return np.sum(a * b, axis=-1)
