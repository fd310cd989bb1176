# BUG: dot.forward uses a @ b (matrix product) instead of a row-wise dot product.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return a @ b
