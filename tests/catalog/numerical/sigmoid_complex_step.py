# NUMERICAL: sigmoid.backward uses the complex step, exact to rounding: Im f(a + ih) / h.
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
        h = 1e-20
        x = np.clip(a, -700, 700) + h * 1j
        return (grad_output * (1 / (1 + np.exp(-x))).imag / h,)
