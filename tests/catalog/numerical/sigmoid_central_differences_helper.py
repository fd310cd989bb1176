# NUMERICAL: sigmoid.backward is central differences of a helper that computes sigmoid.
def _sig(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_forward(ctx, a):
    ctx.append(a)
    return _sig(a)


def sigmoid_backward(ctx, grad_output):
    (a,) = ctx
    step = 1e-5
    return (grad_output * (_sig(a + step) - _sig(a - step)) / (2 * step),)
