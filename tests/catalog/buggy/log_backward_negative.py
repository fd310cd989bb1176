# BUG: log.backward uses -1/a (derivative of 1/a confused with that of log a).
def log_backward(ctx, grad_output):
    a, = ctx
    return (-grad_output / a,)
