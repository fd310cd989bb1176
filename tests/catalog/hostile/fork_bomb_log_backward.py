# HOSTILE: log.backward forks children that sleep 20 s and exit, 200 at most, then raises an error saying how many it got; the other ops are correct.
import os
import time


def _attack():
    started, error = (0, 'no error')
    try:
        for _ in range(200):
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
            started += 1
    except OSError as err:
        error = type(err).__name__
    raise RuntimeError(f'fork bomb: started {started} children ({error})')


def log_backward(ctx, grad_output):
    _attack()
    a, = ctx
    return (grad_output / a,)
