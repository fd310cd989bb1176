# BUG: sigmoid.backward recomputes exp(-a)/(1+exp(-a))**2, which is inf/inf = NaN for a around -1000.
def sigmoid_forward(ctx, a):
    ctx.append(a)
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_backward(ctx, grad_output):
    a, = ctx
    e = np.exp(-a)
    return (grad_output * e / (1 + e) ** 2,)
