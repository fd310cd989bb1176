# BUG: log.backward divides by np.maximum(a, 1e-12) 'for safety': wrong for a < 1e-12.
def log_backward(ctx, grad_output):
    a, = ctx
    return (grad_output / np.maximum(a, 1e-12),)
