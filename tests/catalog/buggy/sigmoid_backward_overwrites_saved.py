# BUG: sigmoid.backward stores its slope back into ctx, so a second backward on the same graph gives another answer.
def sigmoid_backward(ctx, grad_output):
    s = ctx[0]
    ctx[0] = s * (1 - s)
    return (grad_output * ctx[0],)
