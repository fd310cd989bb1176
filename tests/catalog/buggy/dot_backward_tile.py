# BUG: dot.backward builds the broadcast gradient with np.tile(g, (d, 1)).T, which is only right for 2-D inputs.
def dot_backward(ctx, grad_output):
    a, b = ctx
    d = a.shape[-1]
    G = np.tile(grad_output, (d, 1)).T
    return (G * b, G * a)
