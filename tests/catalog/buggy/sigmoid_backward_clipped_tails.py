# BUG: sigmoid.backward recomputes the slope from the input clipped to [-20, 20], so it is wrong only in the tails (|a| > 20).
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        z = np.exp(-np.abs(a))
        return np.where(a >= 0, 1 / (1 + z), z / (1 + z))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        e = np.exp(-np.clip(a, -20, 20))
        return (grad_output * e / (1 + e) ** 2,)
