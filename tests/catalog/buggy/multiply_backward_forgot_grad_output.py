# BUG: multiply.backward returns (b, a) without multiplying by grad_output.
@tensor_op
class multiply(multiply.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return (b, a)
