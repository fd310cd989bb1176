# HOSTILE: log.backward sleeps for 1000 s; the other three ops are correct.
import time


def log_backward(ctx, grad_output):
    a, = ctx
    time.sleep(1000)
    return (grad_output / a,)
