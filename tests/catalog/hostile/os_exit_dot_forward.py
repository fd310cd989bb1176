# HOSTILE: dot.forward calls os._exit(0), killing its process with a success status; the other ops are correct.
import os


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    os._exit(0)
    return np.sum(a * b, axis=-1)
