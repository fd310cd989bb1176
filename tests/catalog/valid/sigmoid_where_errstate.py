# VALID: textbook two-branch np.where sigmoid with overflow silenced by np.errstate (the discarded branch may overflow).
def sigmoid_forward(ctx, a):
    with np.errstate(over='ignore', invalid='ignore'):
        positive = 1 / (1 + np.exp(-a))
        negative = np.exp(a) / (1 + np.exp(a))
    s = np.where(a >= 0, positive, negative)
    ctx.append(s)
    return s


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return (a * b).sum(-1)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output[..., np.newaxis]
    return (b * g, a * g)
