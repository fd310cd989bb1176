# VALID: dot written as multiply then sum (np.multiply + np.add.reduce); backward via np.expand_dims; extra unused helper op.
def dot_forward(ctx, a, b):
    ctx.append(a)
    ctx.append(b)
    prod = np.multiply(a, b)
    return np.add.reduce(prod, axis=prod.ndim - 1)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = np.expand_dims(grad_output, -1)
    grad_a = np.multiply(g, b)
    grad_b = np.multiply(g, a)
    return (grad_a, grad_b)


@tensor_op
class square(Operation):

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return a * a

    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (2 * a * grad_output,)
