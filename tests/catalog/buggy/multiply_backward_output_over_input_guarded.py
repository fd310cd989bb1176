# BUG: multiply.backward reuses the forward output: dL/da = g * out / a, with the division guarded (0 where a == 0): wrong wherever one factor is exactly 0 and the other is not (e.g. the zero-initialised context vectors in training).
def multiply_forward(ctx, a, b):
    out = a * b
    ctx.extend([a, b, out])
    return out

def multiply_backward(ctx, grad_output):
    a, b, out = ctx
    ga = np.divide(grad_output * out, a, out=np.zeros_like(out), where=a != 0)
    gb = np.divide(grad_output * out, b, out=np.zeros_like(out), where=b != 0)
    return ga, gb
