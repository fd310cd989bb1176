# BUG: multiply.backward has an extra factor 2 (confused with d(a**2)/da).
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return (2 * grad_output * b, 2 * grad_output * a)
