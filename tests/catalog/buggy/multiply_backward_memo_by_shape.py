# BUG: multiply.backward memoises its result per grad_output.shape 'for speed', so only the first call of each shape is right.
_MEMO = {}


def multiply_backward(ctx, grad_output):
    a, b = ctx
    if grad_output.shape not in _MEMO:
        _MEMO[grad_output.shape] = (grad_output * b, grad_output * a)
    return _MEMO[grad_output.shape]
