# BUG: 0-d fast path branches on x > 0 and x < 0 and forgets x == 0: sigmoid(np.array(0.0)) crashes (UnboundLocalError).
import math
def sigmoid_forward(ctx, a):
    if np.ndim(a) == 0:
        x = float(a)
        if x > 0:
            r = 1 / (1 + math.exp(-x))
        elif x < 0:
            z = math.exp(x)
            r = z / (1 + z)
        out = np.asarray(r)
    else:
        z = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(out)
    return out
