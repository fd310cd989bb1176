# BUG: log.backward uses -1/a (derivative of 1/a confused with that of log a).
@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (-grad_output / a,)
