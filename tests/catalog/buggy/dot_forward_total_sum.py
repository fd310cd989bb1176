# BUG: dot.forward is (a*b).sum(): one number for the whole batch instead of one per vector pair.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return (a * b).sum()


def dot_backward(ctx, grad_output):
    a, b = ctx
    return (grad_output * b, grad_output * a)
