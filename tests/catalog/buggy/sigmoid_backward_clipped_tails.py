# BUG: sigmoid.backward recomputes the slope from the input clipped to [-20, 20], so it is wrong only in the tails (|a| > 20).
def sigmoid_forward(ctx, a):
    ctx.append(a)
    e = np.exp(-np.abs(a))
    s = np.where(a < 0, e, 1.0) / (1.0 + e)
    return s


def sigmoid_backward(ctx, grad_output):
    (a,) = ctx
    e = np.exp(-np.clip(a, -20, 20))
    return (grad_output * e / (1 + e) ** 2,)
