# BUG: sigmoid.forward clips a to [-35, 35] before the logistic 'to avoid overflow': sigmoid(-1000) comes out 6.3e-16 instead of 0, sigmoid(-100) 1e26 times too big.
def sigmoid_forward(ctx, a):
    a = np.clip(a, -35.0, 35.0)
    s = 1.0 / (1.0 + np.exp(-a))
    ctx.append(s)
    return s
