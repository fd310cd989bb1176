# BUG: multiply.backward scales grad_output in place (grad_a = grad_output; grad_a *= b), corrupting grad_b too.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    grad_a = grad_output
    grad_a *= b
    grad_b = grad_output * a
    return (grad_a, grad_b)
