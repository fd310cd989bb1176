# BUG: dot.backward returns (b, a) without using grad_output.
def dot_backward(ctx, grad_output):
    a, b = ctx
    return (b, a)
