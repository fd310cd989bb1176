# BUG: sigmoid.backward computes the gradient in place in the saved forward output (s *= 1 - s; s *= grad_output), so the output's value changes after backprop.
def sigmoid_backward(ctx, grad_output):
    s, = ctx
    s *= 1 - s
    s *= grad_output
    return (s,)
