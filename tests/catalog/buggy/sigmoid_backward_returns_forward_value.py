# BUG: sigmoid.backward returns the forward value sigma(a) itself as the gradient.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return (s,)
