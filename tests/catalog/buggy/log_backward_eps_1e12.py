# BUG: log.backward divides by a + 1e-12 'to be safe': right everywhere but for tiny positive a.
def log_backward(ctx, grad_output):
    (a,) = ctx
    return (grad_output / (a + 1e-12),)
