# BUG: sigmoid.backward forgets the chain rule: returns s*(1-s), never multiplies by grad_output.
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return (s * (1 - s),)
