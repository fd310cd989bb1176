# BUG: sigmoid.backward returns grad*s*(s-1): the derivative has the wrong sign.
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return (grad_output * s * (s - 1),)
