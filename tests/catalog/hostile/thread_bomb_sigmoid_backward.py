# HOSTILE: sigmoid.backward starts threads that sleep 20 s, 1000 at most, then raises an error saying how many it got; the other ops are correct.
import threading
import time


def _attack():
    started, error = (0, 'no error')
    try:
        for _ in range(1000):
            threading.Thread(target=time.sleep, args=(20,), daemon=True).start()
            started += 1
    except (RuntimeError, MemoryError, OSError) as err:
        error = type(err).__name__
    raise RuntimeError(f'thread bomb: started {started} threads ({error})')




def sigmoid_backward(ctx, grad_output):
    _attack()
    s, = ctx
    return (grad_output * s * (1 - s),)
