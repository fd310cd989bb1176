# HOSTILE: multiply.backward raises SystemExit(0); the other ops are correct.
@tensor_op
class multiply(multiply.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        raise SystemExit(0)
