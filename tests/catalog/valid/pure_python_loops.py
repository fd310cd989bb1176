# VALID: slow but correct: sigmoid and log are per-element Python loops with math.exp/math.log (stable branches).
import math


def _sig_scalar(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sigmoid_forward(ctx, a):
    flat = [_sig_scalar(float(x)) for x in a.ravel()]
    s = np.array(flat, dtype=np.float64).reshape(a.shape)
    ctx.append(s)
    return s


def sigmoid_backward(ctx, grad_output):
    s, = ctx
    g = np.array([gi * si * (1.0 - si) for gi, si in zip(grad_output.ravel(), s.ravel())], dtype=np.float64).reshape(s.shape)
    return (g,)


def log_forward(ctx, a):
    ctx.append(a)
    return np.array([math.log(float(x)) for x in a.ravel()], dtype=np.float64).reshape(a.shape)


def log_backward(ctx, grad_output):
    a, = ctx
    return (np.array([g / x for g, x in zip(grad_output.ravel(), a.ravel())], dtype=np.float64).reshape(a.shape),)
