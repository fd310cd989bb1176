# NUMERICAL: log.backward uses Richardson extrapolation of two central differences (accurate to ~1e-13).
def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def log_backward(ctx, grad_output):
    (a,) = ctx
    h = 1e-3 * a
    slope = (4 * _central(np.log, a, h / 2) - _central(np.log, a, h)) / 3
    return (grad_output * slope,)
