# BUG: sigmoid.forward computes 1/(1+exp(a)) (sign error in the exponent), i.e. sigma(-a).
def sigmoid_forward(ctx, a):
    with np.errstate(over='ignore'):
        s = 1.0 / (1.0 + np.exp(a))
    ctx.append(s)
    return s
