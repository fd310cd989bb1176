# BUG: sigmoid.backward uses the input a where the output sigma(a) was meant: grad*a*(1-a).
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        z = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + z), z / (1 + z))

    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (grad_output * a * (1 - a),)
