# BUG: sigmoid.forward clips its input in place (np.clip(..., out=a)) to avoid overflow: the caller's array changes.
def sigmoid_forward(ctx, a):
    np.clip(a, -30, 30, out=a)
    s = 1 / (1 + np.exp(-a))
    ctx.append(s)
    return s
