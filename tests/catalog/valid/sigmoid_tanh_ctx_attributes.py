# VALID: sigmoid via 0.5*(1+tanh(a/2)); everything saved as ctx attributes instead of ctx.append.
def sigmoid_forward(ctx, a):
    ctx.out = 0.5 * (1.0 + np.tanh(0.5 * a))
    return ctx.out


def sigmoid_backward(ctx, grad_output):
    s = ctx.out
    return (grad_output * s * (1.0 - s),)


def multiply_forward(ctx, a, b):
    ctx.a, ctx.b = (a, b)
    return np.multiply(a, b)


def multiply_backward(ctx, grad_output):
    return (grad_output * ctx.b, grad_output * ctx.a)
