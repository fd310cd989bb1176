# BUG: dot.forward sums in float32 (inputs cast with astype(np.float32)) and returns float64: values off by ~1e-7.
def dot_forward(ctx, a, b):
    ctx.extend([a, b])
    return np.einsum("...i,...i->...", a.astype(np.float32), b.astype(np.float32)).astype(np.float64)
