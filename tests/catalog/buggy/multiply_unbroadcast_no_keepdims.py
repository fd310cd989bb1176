# BUG: multiply's unbroadcast helper sums length-1 axes without keepdims, so gradients lose every length-1 axis ((4, 1) becomes (4,)).
def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis in reversed(range(len(shape))):
        if shape[axis] == 1:
            g = g.sum(axis=axis)
    return g


def multiply_backward(ctx, grad_output):
    a, b = ctx
    return (_unbroadcast(grad_output * b, a.shape), _unbroadcast(grad_output * a, b.shape))
