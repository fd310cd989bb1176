# BUG: log.backward uses 1/a**2 instead of 1/a.
def log_backward(ctx, grad_output):
    a, = ctx
    return (grad_output / a ** 2,)
