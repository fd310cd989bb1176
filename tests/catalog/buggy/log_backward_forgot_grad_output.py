# BUG: log.backward returns 1/a and never multiplies by grad_output.
def log_backward(ctx, grad_output):
    a, = ctx
    return (1 / a,)
