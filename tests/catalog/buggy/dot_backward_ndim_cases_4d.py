# BUG: dot.backward special-cases grad_output.ndim 0, 1 and 2 and uses grad_output[:, :, None] otherwise, which is wrong for inputs of 4 or more dimensions.
def dot_backward(ctx, grad_output):
    a, b = ctx
    if grad_output.ndim == 0:
        g = grad_output
    elif grad_output.ndim == 1:
        g = grad_output[:, None]
    else:
        g = grad_output[:, :, None]
    return (g * b, g * a)
