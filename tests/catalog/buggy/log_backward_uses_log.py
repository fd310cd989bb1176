# BUG: log.backward multiplies grad_output by log(a) instead of 1/a.
@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (grad_output * np.log(a),)
