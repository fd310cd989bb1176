# BUG: dot.forward uses a per-ndim einsum table for 1- to 4-D inputs and falls back to a total sum otherwise: 5-D inputs (allowed by the (..., d) contract) get one number.
_SUB = {1: 'i,i->', 2: 'ni,ni->n', 3: 'nki,nki->nk', 4: 'mnki,mnki->mnk'}
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    sub = _SUB.get(a.ndim)
    return np.einsum(sub, a, b) if sub else np.sum(a * b)
