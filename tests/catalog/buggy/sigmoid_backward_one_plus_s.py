# BUG: sigmoid.backward uses s*(1+s) instead of s*(1-s).
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return (grad_output * s * (1 + s),)
