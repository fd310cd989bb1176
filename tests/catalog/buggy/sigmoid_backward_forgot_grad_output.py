# BUG: sigmoid.backward forgets the chain rule: returns s*(1-s), never multiplies by grad_output.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return (s * (1 - s),)
