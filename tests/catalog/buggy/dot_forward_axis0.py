# BUG: dot.forward sums over axis 0 instead of the last axis.
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=0)
