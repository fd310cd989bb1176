# BUG: multiply.backward returns (b, a) without multiplying by grad_output.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return (b, a)
