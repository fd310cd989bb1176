# VALID: careful about dtypes: every result is cast back to the input's dtype (float32 stays float32).
def sigmoid_forward(ctx, a):
    dtype = np.result_type(a, np.float32)
    z = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1 / (1 + z), z / (1 + z)).astype(dtype, copy=False)
    ctx.append(s)
    return s


def sigmoid_backward(ctx, grad_output):
    s, = ctx
    grad = grad_output * s * (1 - s)
    return (grad.astype(s.dtype, copy=False),)


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.einsum('...i,...i->...', a, b).astype(np.result_type(a, b), copy=False)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output[..., None]
    return ((g * b).astype(a.dtype, copy=False), (g * a).astype(b.dtype, copy=False))
