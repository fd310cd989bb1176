# BUG: log.backward divides grad_output in place (grad_output /= a): the caller's upstream gradient changes.
def log_backward(ctx, grad_output):
    a, = ctx
    grad_output /= a
    return (grad_output,)
