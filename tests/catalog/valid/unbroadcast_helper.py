# VALID: multiply and dot run their gradients through a general unbroadcast helper (sum over broadcast axes, keepdims).
def _unbroadcast(g, shape):
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def multiply_backward(ctx, grad_output):
    a, b = ctx
    return (_unbroadcast(grad_output * b, a.shape), _unbroadcast(grad_output * a, b.shape))


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.einsum("...i,...i->...", a, b)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.asarray(grad_output)[..., None]
    return (_unbroadcast(g * b, a.shape), _unbroadcast(g * a, b.shape))
