# BUG: multiply.forward computes a *= b in place: the input a is overwritten (and so is the copy saved for backward).
@tensor_op
class multiply(multiply.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        a *= b
        return a
