# BUG: dot.backward uses np.squeeze(grad_output)[..., None], which misaligns the axes when a middle axis has length 1.
def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.squeeze(grad_output)[..., None]
    return (g * b, g * a)
