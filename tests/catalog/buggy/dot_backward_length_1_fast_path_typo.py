# BUG: dot.backward has a fast path for a single pair of length-1 vectors (a.size == 1) with a copy-paste typo: returns g * b for both.
def dot_backward(ctx, grad_output):
    a, b = ctx
    if a.size == 1:
        return grad_output * b, grad_output * b
    g = grad_output[..., None]
    return g * b, g * a
