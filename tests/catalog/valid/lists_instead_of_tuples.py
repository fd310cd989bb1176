# VALID: every backward returns a list instead of a tuple; log backward uses np.divide.
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return [grad_output * s * (1 - s)]


def log_backward(ctx, grad_output):
    a, = ctx
    return [np.divide(grad_output, a)]


def multiply_backward(ctx, grad_output):
    a, b = ctx
    return [grad_output * b, grad_output * a]


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output[..., None]
    return [g * b, g * a]
