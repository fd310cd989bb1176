# VALID: sigmoid and log computed in np.longdouble and cast back to the input's dtype.
def sigmoid_forward(ctx, a):
    x = a.astype(np.longdouble)
    z = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    ctx.s = s
    return s.astype(a.dtype)


def sigmoid_backward(ctx, grad_output):
    s = ctx.s
    return ((grad_output * s * (1 - s)).astype(grad_output.dtype),)


def log_forward(ctx, a):
    ctx.a = a
    return np.log(a.astype(np.longdouble)).astype(a.dtype)


def log_backward(ctx, grad_output):
    return (grad_output / ctx.a,)
