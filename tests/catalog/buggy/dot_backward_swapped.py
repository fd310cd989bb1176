# BUG: dot.backward swaps the gradients: grad_a = g*a, grad_b = g*b.
def dot_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output[..., None]
    return (g * a, g * b)
