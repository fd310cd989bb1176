# BUG: dot saves its inputs in module-level globals: a second dot before backward overwrites the first one's inputs.
_saved_a = None
_saved_b = None


def dot_forward(ctx, a, b):
    global _saved_a, _saved_b
    _saved_a, _saved_b = (a, b)
    return np.sum(a * b, axis=-1)


def dot_backward(ctx, grad_output):
    g = grad_output[..., None]
    return (g * _saved_b, g * _saved_a)
