# BUG: log.backward divides grad_output in place (grad_output /= a): the caller's upstream gradient changes.
@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        grad_output /= a
        return (grad_output,)
