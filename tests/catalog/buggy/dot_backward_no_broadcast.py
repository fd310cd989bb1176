# BUG: dot.backward uses grad_output * b without adding the last axis (only right for 1-D inputs).
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return (grad_output * b, grad_output * a)
