# HOSTILE: multiply.backward raises SystemExit(0); the other ops are correct.
def multiply_backward(ctx, grad_output):
    raise SystemExit(0)
