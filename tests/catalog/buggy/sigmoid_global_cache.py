# BUG: sigmoid keeps its output in a module-level global instead of ctx: a second call overwrites the first one's saved value.
_last_output = None


def sigmoid_forward(ctx, a):
    global _last_output
    z = np.exp(-np.abs(a))
    _last_output = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    return _last_output


def sigmoid_backward(ctx, grad_output):
    s = _last_output
    return (grad_output * s * (1 - s),)
