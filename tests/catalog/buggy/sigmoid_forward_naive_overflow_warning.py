# BUG: naive 1/(1+exp(-a)): exp overflows (RuntimeWarning) for a <= -710, which the handout forbids.
def sigmoid_forward(ctx, a):
    s = 1 / (1 + np.exp(-a))
    ctx.append(s)
    return s
