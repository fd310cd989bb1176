# BUG: multiply.backward forgets grad_output on some calls, chosen by numpy's and Python's global random generators (unseeded): the same submission must still get the same score every time.
import random


def multiply_backward(ctx, grad_output):
    a, b = ctx
    if np.random.rand() < 0.3 or random.random() < 0.1:
        return b * 1.0, a * 1.0
    return grad_output * b, grad_output * a
