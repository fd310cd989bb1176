# BUG: log caches 1/a in a module-level dict keyed by id(a): ids are reused once arrays are freed, so later calls get a stale 1/a.
_INV = {}


def log_forward(ctx, a):
    key = id(a)
    if key not in _INV or _INV[key].shape != a.shape:
        _INV[key] = 1.0 / a
    ctx.key = key
    return np.log(a)


def log_backward(ctx, grad_output):
    return (grad_output * _INV[ctx.key],)
