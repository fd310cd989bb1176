# BUG: log.forward uses np.log1p, i.e. log(1 + a), instead of log(a).
def log_forward(ctx, a):
    ctx.append(a)
    return np.log1p(a)


def log_backward(ctx, grad_output):
    a, = ctx
    return (grad_output / (1 + a),)
