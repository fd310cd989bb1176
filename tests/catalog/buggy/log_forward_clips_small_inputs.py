# BUG: log.forward clips a at 1e-7 'for safety': log of smaller positive numbers is wrong.
def log_forward(ctx, a):
    ctx.append(a)
    return np.log(np.maximum(a, 1e-07))
