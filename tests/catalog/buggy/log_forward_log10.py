# BUG: log.forward uses np.log10 instead of the natural log.
@tensor_op
class log(log.op_class):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log10(a)
