# BUG: sigmoid.backward differentiates the two stable branches separately and gets the a < 0 branch wrong (z * (1 - z) with z = exp(a)).
def sigmoid_forward(ctx, a):
    z = np.exp(-np.abs(a))
    ctx.a, ctx.z = (a, z)
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_backward(ctx, grad_output):
    a, z = (ctx.a, ctx.z)
    d = np.where(a >= 0, z / (1 + z) ** 2, z * (1 - z))
    return (grad_output * d,)
