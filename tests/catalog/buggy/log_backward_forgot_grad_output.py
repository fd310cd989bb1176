# BUG: log.backward returns 1/a and never multiplies by grad_output.
@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (1 / a,)
