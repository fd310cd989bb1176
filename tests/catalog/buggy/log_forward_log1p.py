# BUG: log.forward uses np.log1p, i.e. log(1 + a), instead of log(a).
@tensor_op
class log(log.op_class):
    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return np.log1p(a)

    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return (grad_output / (1 + a),)
