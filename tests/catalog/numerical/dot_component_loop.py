# NUMERICAL: dot.backward moves one component at a time (a loop over the last axis), step from machine epsilon.
def dot_backward(ctx, grad_output):
    a, b = ctx
    eps = np.sqrt(np.finfo(float).eps)
    grads = []
    for x, other in ((a, b), (b, a)):
        grad = np.empty_like(x)
        for j in range(x.shape[-1]):
            up, down = x.copy(), x.copy()
            up[..., j] += eps
            down[..., j] -= eps
            slope = (np.sum(up * other, axis=-1) - np.sum(down * other, axis=-1)) / (2 * eps)
            grad[..., j] = grad_output * slope
        grads.append(grad)
    return tuple(grads)
