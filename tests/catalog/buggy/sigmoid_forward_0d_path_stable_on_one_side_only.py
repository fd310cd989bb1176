# BUG: 0-d fast path "fixed" for overflow with z = exp(-|x|) but keeps only z/(1+z): right for x < 0, gives 1 - sigma(x) for x > 0.
import math
def sigmoid_forward(ctx, a):
    if np.ndim(a) == 0:
        x = float(a)
        z = math.exp(-abs(x))
        out = np.asarray(z / (1 + z))
    else:
        z = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(out)
    return out
