# VALID: sigmoid computed separately on the positive and negative entries with boolean masks.
def sigmoid_forward(ctx, a):
    a = np.asarray(a)
    out = np.empty(a.shape, dtype=np.result_type(a, np.float32))
    pos = a >= 0
    neg = ~pos
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    ea = np.exp(a[neg])
    out[neg] = ea / (1.0 + ea)
    ctx.append(out)
    return out


def sigmoid_backward(ctx, grad_output):
    out, = ctx
    return (grad_output * out * (1.0 - out),)
