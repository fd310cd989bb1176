# BUG: dot.forward is (a*b).sum(): one number for the whole batch instead of one per vector pair.
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return (a * b).sum()

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return (grad_output * b, grad_output * a)
