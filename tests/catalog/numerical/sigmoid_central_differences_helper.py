# NUMERICAL: sigmoid.backward is central differences of a helper that computes sigmoid.
def _sig(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return _sig(a)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        step = 1e-5
        return (grad_output * (_sig(a + step) - _sig(a - step)) / (2 * step),)
