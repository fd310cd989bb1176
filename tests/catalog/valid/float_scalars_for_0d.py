# VALID: backward reads the saved arrays from the end of ctx; 0-d forward results and gradients are returned as Python floats.
def sigmoid_forward(ctx, a):
    z = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(s)
    return float(s) if s.ndim == 0 else s


def sigmoid_backward(ctx, grad_output):
    s = ctx[-1]
    g = grad_output * s * (1 - s)
    return (float(g) if np.ndim(g) == 0 else g,)


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    out = np.sum(a * b, axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def dot_backward(ctx, grad_output):
    a, b = ctx[-2], ctx[-1]
    g = np.asarray(grad_output)[..., None]
    return (g * b, g * a)
