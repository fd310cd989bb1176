# BUG: sigmoid.backward uses s*(1+s) instead of s*(1-s).
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return (grad_output * s * (1 + s),)
