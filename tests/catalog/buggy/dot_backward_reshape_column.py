# BUG: dot.backward reshapes grad_output to a column (-1, 1): right for 2-D inputs, wrong shape for 1-D and 3-D.
def dot_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output.reshape(-1, 1)
    return (g * b, g * a)
