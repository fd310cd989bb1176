# BUG: sigmoid.backward returns the forward value sigma(a) itself as the gradient.
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return (s,)
