# BUG: dot.forward picks an einsum string from a table for 1-, 2- and 3-D inputs; 4-D inputs fall back to a full sum (wrong shape).
_SUBSCRIPTS = {1: 'i,i->', 2: 'ni,ni->n', 3: 'nki,nki->nk'}


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    spec = _SUBSCRIPTS.get(a.ndim)
    if spec is None:
        return np.sum(a * b)
    return np.einsum(spec, a, b)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.expand_dims(grad_output, -1)
    return (g * b, g * a)
