# VALID: dot forward = diagonal of a @ b^T (a read-only view returned as is); 1-D via np.dot.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    if a.ndim == 1:
        return np.asarray(np.dot(a, b))
    return np.diagonal(a @ np.swapaxes(b, -1, -2), axis1=-2, axis2=-1)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.expand_dims(grad_output, axis=-1)
    return (g * b, g * a)
