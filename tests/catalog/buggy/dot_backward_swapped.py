# BUG: dot.backward swaps the gradients: grad_a = g*a, grad_b = g*b.
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = grad_output[..., None]
        return (g * a, g * b)
