# BUG: multiply.backward returns only one gradient (for a), not one per input.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return grad_output * b
