# BUG: dot.forward keeps the summed axis (keepdims=True): output shape (..., 1) instead of (...).
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.sum(a * b, axis=-1, keepdims=True)


def dot_backward(ctx, grad_output):
    a, b = ctx
    return (grad_output * b, grad_output * a)
