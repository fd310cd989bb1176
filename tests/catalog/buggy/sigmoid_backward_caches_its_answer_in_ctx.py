# BUG: sigmoid.backward caches its whole answer in ctx "in case backward runs again": a second backward with a different grad_output returns the first one's gradient.
def sigmoid_backward(ctx, grad_output):
    if hasattr(ctx, "cached"):
        return ctx.cached
    (s,) = ctx
    ctx.cached = (grad_output * s * (1 - s),)
    return ctx.cached
