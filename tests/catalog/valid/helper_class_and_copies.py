# VALID: a small helper class holds the saved arrays; forward saves defensive copies; dot backward uses np.broadcast_to.
class Saved:

    def __init__(self, *arrays):
        self.arrays = tuple((np.array(x, copy=True) for x in arrays))

    def __iter__(self):
        return iter(self.arrays)


def multiply_forward(ctx, a, b):
    ctx.saved = Saved(a, b)
    return a * b


def multiply_backward(ctx, grad_output):
    a, b = ctx.saved
    return (grad_output * b, grad_output * a)


def dot_forward(ctx, a, b):
    ctx.saved = Saved(a, b)
    return np.sum(a * b, axis=-1)


def dot_backward(ctx, grad_output):
    a, b = ctx.saved
    g = np.broadcast_to(np.asarray(grad_output)[..., None], a.shape)
    return (g * b, g * a)
