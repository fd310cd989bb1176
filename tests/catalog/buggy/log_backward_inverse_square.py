# BUG: log.backward uses 1/a**2 instead of 1/a.
@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (grad_output / a ** 2,)
