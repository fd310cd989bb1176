# BUG: multiply.backward swaps the gradients: grad_a = grad*a, grad_b = grad*b.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return (grad_output * a, grad_output * b)
