# BUG: dot sums over the longest axis (np.argmax(a.shape)), assuming it is the feature axis.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.sum(a * b, axis=int(np.argmax(a.shape)))


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.expand_dims(grad_output, int(np.argmax(a.shape)))
    return (g * b, g * a)
