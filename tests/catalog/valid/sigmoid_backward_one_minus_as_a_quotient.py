# VALID: stable sigmoid kept as numerator/denominator; backward writes 1 - s as (den - num) / den.
def sigmoid_forward(ctx, a):
    z = np.exp(-np.abs(a))
    den = 1.0 + z
    num = np.where(a >= 0, 1.0, z)
    ctx.num, ctx.den = num, den
    return num / den


def sigmoid_backward(ctx, grad_output):
    num, den = ctx.num, ctx.den
    s = num / den
    one_minus_s = (den - num) / den
    return (grad_output * s * one_minus_s,)
