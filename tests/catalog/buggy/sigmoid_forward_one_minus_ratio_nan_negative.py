# BUG: sigmoid.forward = 1 - e/(1+e) with e = exp(-a) under np.errstate(all='ignore'): inf/inf = NaN for a < -709.
def sigmoid_forward(ctx, a):
    with np.errstate(over='ignore', invalid='ignore'):
        e = np.exp(-a)
        s = 1 - e / (1 + e)
    ctx.append(s)
    return s
