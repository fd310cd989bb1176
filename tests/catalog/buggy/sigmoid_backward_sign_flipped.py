# BUG: sigmoid.backward returns grad*s*(s-1): the derivative has the wrong sign.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return (grad_output * s * (s - 1),)
