# BUG: log uses log(a + 1e-7) and grad / (a + 1e-7) 'for safety': wrong for small a.
def log_forward(ctx, a):
    ctx.append(a)
    return np.log(a + 1e-07)


def log_backward(ctx, grad_output):
    a, = ctx
    return (grad_output / (a + 1e-07),)
