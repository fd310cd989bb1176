# VALID: a small helper class holds the saved arrays; forward saves defensive copies; dot backward uses np.broadcast_to.
class Saved:

    def __init__(self, *arrays):
        self.arrays = tuple((np.array(x, copy=True) for x in arrays))

    def __iter__(self):
        return iter(self.arrays)


@tensor_op
class multiply(multiply.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.saved = Saved(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved
        return (grad_output * b, grad_output * a)


@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.saved = Saved(a, b)
        return np.sum(a * b, axis=-1)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved
        g = np.broadcast_to(np.asarray(grad_output)[..., None], a.shape)
        return (g * b, g * a)
