# BUG: dot.backward sums grad_output over the whole batch: every row gets the total upstream gradient.
def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.sum(grad_output)
    return (g * b, g * a)
