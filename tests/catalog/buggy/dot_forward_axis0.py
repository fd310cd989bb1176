# BUG: dot.forward sums over axis 0 instead of the last axis.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.sum(a * b, axis=0)
