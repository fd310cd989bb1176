# NUMERICAL: sigmoid.backward looks its slope up (np.interp) in a table of forward values on a fine grid, the slopes taken from neighbouring entries by slicing, at import.
_GRID = np.linspace(-40.0, 40.0, 800001)


def _sig(x):
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


_TAB = _sig(_GRID)
_SLOPE = (_TAB[2:] - _TAB[:-2]) / (_GRID[2:] - _GRID[:-2])


def sigmoid_backward(ctx, grad_output):
    (s,) = ctx
    x = np.log(s) - np.log1p(-s)
    return (grad_output * np.interp(x, _GRID[1:-1], _SLOPE),)
