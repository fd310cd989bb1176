# VALID: dot forward via batched matmul (a[...,None,:] @ b[...,:,None])[...,0,0]; backward via np.tensordot-free broadcasting with np.broadcast_to.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.matmul(a[..., None, :], b[..., :, None])[..., 0, 0]


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.broadcast_to(np.asarray(grad_output)[..., np.newaxis], a.shape)
    return (np.multiply(g, b), np.multiply(g, a))
