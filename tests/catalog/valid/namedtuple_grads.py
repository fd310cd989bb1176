# VALID: backward returns namedtuples (a tuple subclass) of gradients.
from collections import namedtuple


Grad1 = namedtuple('Grad1', 'a')
Grad2 = namedtuple('Grad2', 'a b')


def multiply_forward(ctx, a, b):
    ctx.extend([a, b])
    return a * b


def multiply_backward(ctx, grad_output):
    a, b = ctx
    return Grad2(a=grad_output * b, b=grad_output * a)


def dot_forward(ctx, a, b):
    ctx.extend([a, b])
    return np.einsum('...i,...i', a, b)


def dot_backward(ctx, grad_output):
    a, b = ctx
    return Grad2(np.einsum('...,...i->...i', grad_output, b), np.einsum('...,...i->...i', grad_output, a))
