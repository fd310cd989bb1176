# BUG: multiply.backward does its arithmetic in float32 and converts back: float64 out, half the digits lost (and inf beyond 3e38).
def multiply_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output.astype(np.float32)
    return (g * b.astype(np.float32)).astype(a.dtype), (g * a.astype(np.float32)).astype(a.dtype)
