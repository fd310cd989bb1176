# VALID: everything through ufuncs with freshly allocated out= arrays and where= masks.
def sigmoid_forward(ctx, a):
    z = np.empty_like(a)
    np.negative(np.abs(a), out=z)
    np.exp(z, out=z)
    den = np.add(1.0, z)
    s = np.empty_like(a)
    pos = a >= 0
    np.divide(1.0, den, out=s, where=pos)
    np.divide(z, den, out=s, where=~pos)
    ctx.append(s)
    return s


def sigmoid_backward(ctx, grad_output):
    s, = ctx
    out = np.empty_like(s)
    np.subtract(1.0, s, out=out)
    np.multiply(out, s, out=out)
    np.multiply(out, grad_output, out=out)
    return (out,)


def log_forward(ctx, a):
    ctx.append(a)
    return np.log(a, out=np.empty_like(a))


def log_backward(ctx, grad_output):
    a, = ctx
    return (np.divide(grad_output, a, out=np.empty_like(a)),)
