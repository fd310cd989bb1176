# BUG: sigmoid.forward special-cases 0-d inputs with math.exp "for speed": math.exp(1000) raises OverflowError, so sigmoid(np.array(-1000.)) crashes.
import math
def sigmoid_forward(ctx, a):
    if np.ndim(a) == 0:
        out = np.asarray(1 / (1 + math.exp(-float(a))))
    else:
        z = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(out)
    return out
