# BUG: multiply.backward computes grad_b in place in the saved input a (a *= grad_output), changing the caller's array.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    grad_a = grad_output * b
    a *= grad_output
    return (grad_a, a)
