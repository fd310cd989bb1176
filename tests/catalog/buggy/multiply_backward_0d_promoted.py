# BUG: multiply.backward wraps its gradients in np.atleast_1d, so 0-d inputs get gradients of shape (1,).
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return np.atleast_1d(grad_output * b), np.atleast_1d(grad_output * a)
