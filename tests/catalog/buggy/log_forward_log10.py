# BUG: log.forward uses np.log10 instead of the natural log.
def log_forward(ctx, a):
    ctx.append(a)
    return np.log10(a)
