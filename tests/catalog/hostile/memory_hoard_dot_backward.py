# HOSTILE: dot.backward keeps allocating 1 GB blocks in a module-level list (up to 64 GB); the other ops are correct.
_hoard = []


def dot_backward(ctx, grad_output):
    a, b = ctx
    for _ in range(64):
        _hoard.append(np.ones(2 ** 27))
    g = grad_output[..., None]
    return (g * b, g * a)
