# BUG: dot.backward uses grad_output * b without adding the last axis (only right for 1-D inputs).
def dot_backward(ctx, grad_output):
    a, b = ctx
    return (grad_output * b, grad_output * a)
