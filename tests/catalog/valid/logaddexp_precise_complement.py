# VALID: sigmoid = exp(-logaddexp(0, -a)); backward uses s * sigmoid(-a) (more precise than s*(1-s)); log backward = g * exp(-log(a)).
def sigmoid_forward(ctx, a):
    ctx.a = a
    return np.exp(-np.logaddexp(0.0, -a))


def sigmoid_backward(ctx, grad_output):
    a = ctx.a
    s = np.exp(-np.logaddexp(0.0, -a))
    one_minus_s = np.exp(-np.logaddexp(0.0, a))
    return (grad_output * s * one_minus_s,)


def log_forward(ctx, a):
    out = np.log(a)
    ctx.out = out
    return out


def log_backward(ctx, grad_output):
    return (grad_output * np.exp(-ctx.out),)
