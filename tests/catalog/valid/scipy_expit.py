# VALID: sigmoid via scipy.special.expit; log via scipy.special.xlogy-free np.log; dot via np.vecdot.
from scipy.special import expit


def sigmoid_forward(ctx, a):
    s = expit(a)
    ctx.append(s)
    return s


def sigmoid_backward(ctx, grad_output):
    s, = ctx
    return (grad_output * s * (1.0 - s),)


def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    return np.vecdot(a, b)


def dot_backward(ctx, grad_output):
    a, b = ctx
    return (np.multiply.outer(grad_output, np.ones(a.shape[-1])) * b, np.multiply.outer(grad_output, np.ones(a.shape[-1])) * a)
