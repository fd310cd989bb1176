# BUG: log.backward multiplies grad_output by log(a) instead of 1/a.
def log_backward(ctx, grad_output):
    a, = ctx
    return (grad_output * np.log(a),)
