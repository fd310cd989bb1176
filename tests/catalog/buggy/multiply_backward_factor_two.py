# BUG: multiply.backward has an extra factor 2 (confused with d(a**2)/da).
@tensor_op
class multiply(multiply.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return (2 * grad_output * b, 2 * grad_output * a)
