# BUG: sigmoid.backward casts the gradient to float32, losing half the digits for float64 inputs.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return ((grad_output * s * (1 - s)).astype(np.float32),)
