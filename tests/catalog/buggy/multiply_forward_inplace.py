# BUG: multiply.forward computes a *= b in place: the input a is overwritten (and so is the copy saved for backward).
def multiply_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    a *= b
    return a
