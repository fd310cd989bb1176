# BUG: log.backward saves the output log(a) and divides by it (grad/log a instead of grad/a).
@tensor_op
class log(log.op_class):
    @staticmethod
    def forward(ctx, a):
        out = np.log(a)
        ctx.append(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        out, = ctx
        return (grad_output / out,)
