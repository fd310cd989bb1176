# VALID: dot flattens the leading axes to 2-D, uses einsum('ij,ij->i'), reshapes back; backward likewise. log via log2 * ln 2.
_LN2 = np.log(2.0)


def log_forward(ctx, a):
    ctx.append(a)
    return np.log2(a) * _LN2


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    d = a.shape[-1]
    flat = np.einsum('ij,ij->i', a.reshape(-1, d), b.reshape(-1, d))
    return flat.reshape(a.shape[:-1])


def dot_backward(ctx, grad_output):
    a, b = ctx
    d = a.shape[-1]
    g = np.asarray(grad_output).reshape(-1, 1)
    ga = (g * b.reshape(-1, d)).reshape(a.shape)
    gb = (g * a.reshape(-1, d)).reshape(b.shape)
    return (ga, gb)
