# HOSTILE: multiply.forward allocates and fills 50 GB (np.ones); the other three ops are correct.
def multiply_forward(ctx, a, b):
    scratch = np.ones(50 * 2 ** 30 // 8)
    ctx.append(a)
    ctx.append(b)
    return a * b + 0 * scratch[0]
