# NUMERICAL: multiply.forward takes forward differences inline (step read at run time) and saves the slopes; backward only multiplies by them.
import os


def multiply_forward(ctx, a, b):
    h = float(os.environ.get("HW3_STEP", "1e-6"))
    base = a * b
    ctx.append(((a + h) * b - base) / h)
    ctx.append((a * (b + h) - base) / h)
    return base


def multiply_backward(ctx, grad_output):
    slope_a, slope_b = ctx
    return (grad_output * slope_a, grad_output * slope_b)
