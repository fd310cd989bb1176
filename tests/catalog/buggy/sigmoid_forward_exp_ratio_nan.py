# BUG: sigmoid.forward = exp(a)/(1+exp(a)): inf/inf = NaN for large positive a (only extreme inputs fail).
def sigmoid_forward(ctx, a):
    e = np.exp(a)
    s = e / (1 + e)
    ctx.append(s)
    return s
