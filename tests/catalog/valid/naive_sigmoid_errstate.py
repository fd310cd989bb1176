# VALID: naive 1/(1+exp(-a)) inside np.errstate(over='ignore'): exp overflows to inf, 1/(1+inf) is exactly 0, no warning.
def sigmoid_forward(ctx, a):
    with np.errstate(over='ignore'):
        s = 1.0 / (1.0 + np.exp(-a))
    ctx.append(s)
    return s


def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return (grad_output * s * (1.0 - s),)
