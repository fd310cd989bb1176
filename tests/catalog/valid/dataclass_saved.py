# VALID: saved values live in a frozen dataclass on ctx; helper functions compute the math.
from dataclasses import dataclass


@dataclass(frozen=True)
class Saved:
    a: np.ndarray
    b: np.ndarray | None = None
    out: np.ndarray | None = None


def _stable_sigmoid(x):
    out = np.empty_like(x, dtype=np.float64)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_forward(ctx, a):
    ctx.saved = Saved(a=a, out=_stable_sigmoid(a))
    return ctx.saved.out


def sigmoid_backward(ctx, grad_output):
    s = ctx.saved.out
    return [grad_output * (s - s * s)]


def dot_forward(ctx, a, b):
    ctx.saved = Saved(a=a, b=b)
    return (a * b).sum(axis=a.ndim - 1)


def dot_backward(ctx, grad_output):
    g = np.reshape(grad_output, np.shape(grad_output) + (1,))
    return [g * ctx.saved.b, g * ctx.saved.a]
