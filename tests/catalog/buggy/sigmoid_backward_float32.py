# BUG: sigmoid.backward casts the gradient to float32, losing half the digits for float64 inputs.
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return ((grad_output * s * (1 - s)).astype(np.float32),)
