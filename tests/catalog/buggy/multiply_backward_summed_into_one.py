# BUG: multiply.backward returns a list of length 1 holding the two gradients added together.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return [grad_output * b + grad_output * a]
