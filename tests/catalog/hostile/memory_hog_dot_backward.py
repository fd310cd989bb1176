# HOSTILE: dot.backward keeps allocating and filling 32 MB arrays, 2 GB at most (a hog for a 768 MB container), then raises an error saying how much it got; the other ops are correct.
_KEPT = []


def _attack():
    error = 'no error'
    try:
        for _ in range(64):
            _KEPT.append(np.ones(4 << 20))
    except MemoryError:
        error = 'MemoryError'
    got = 32 * len(_KEPT)
    _KEPT.clear()
    raise RuntimeError(f'memory hog: held {got} MB ({error})')




def dot_backward(ctx, grad_output):
    _attack()
    a, b = ctx
    g = grad_output[..., None]
    return (g * b, g * a)
