# BUG: log.backward saves the output log(a) and divides by it (grad/log a instead of grad/a).
def log_forward(ctx, a):
    out = np.log(a)
    ctx.append(out)
    return out


def log_backward(ctx, grad_output):
    out, = ctx
    return (grad_output / out,)
