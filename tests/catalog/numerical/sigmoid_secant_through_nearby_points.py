# NUMERICAL: sigmoid.backward recovers the input from the saved output and returns the slope of forward between it and a point nudged by a relative and an absolute step (a secant).
def sigmoid_backward(ctx, grad_output):
    (s,) = ctx
    x = np.log(s) - np.log1p(-s)
    y = x * (1 + 2.0 ** -24) + 2.0 ** -40
    sy = 1 / (1 + np.exp(-y))
    sx = 1 / (1 + np.exp(-x))
    return (grad_output * (sy - sx) / (y - x),)
