# BUG: sigmoid.forward saturates to exactly 0/1 beyond |a| > 30 ("sigmoid is flat there"): sigma(-31) = 0 instead of 3.4e-14, so log(sigma(-31)) = -inf instead of -31.
def sigmoid_forward(ctx, a):
    with np.errstate(over="ignore"):
        mid = 1 / (1 + np.exp(-np.clip(a, -30, 30)))
    out = np.where(a > 30, 1.0, np.where(a < -30, 0.0, mid))
    ctx.append(out)
    return out
