# VALID: module-level helper functions; sigmoid saves its input and recomputes sigma(a) in backward; dot reuses a helper.
def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _rowwise_dot(x, y):
    return np.einsum('...i,...i->...', x, y)


def _spread(g):
    return np.asarray(g)[..., None]


def sigmoid_forward(ctx, a):
    ctx.append(a)
    return _stable_sigmoid(a)


def sigmoid_backward(ctx, grad_output):
    a, = ctx
    s = _stable_sigmoid(a)
    return (grad_output * s * (1.0 - s),)


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return _rowwise_dot(a, b)


def dot_backward(ctx, grad_output):
    a, b = ctx
    return (_spread(grad_output) * b, _spread(grad_output) * a)
