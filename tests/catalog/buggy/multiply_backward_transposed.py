# BUG: multiply.backward transposes (matmul habit): gradients have the wrong shape for 2-D and 3-D inputs.
def multiply_backward(ctx, grad_output):
    a, b = ctx
    return ((grad_output * b).T, (grad_output * a).T)
