# VALID: sigmoid = exp(-logaddexp(0, -a)); backward uses s * sigmoid(-a) (more precise than s*(1-s)); log backward = g * exp(-log(a)).
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        ctx.a = a
        return np.exp(-np.logaddexp(0.0, -a))

    @staticmethod
    def backward(ctx, grad_output):
        a = ctx.a
        s = np.exp(-np.logaddexp(0.0, -a))
        one_minus_s = np.exp(-np.logaddexp(0.0, a))
        return (grad_output * s * one_minus_s,)


@tensor_op
class log(log.op_class):
    @staticmethod
    def forward(ctx, a):
        out = np.log(a)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return (grad_output * np.exp(-ctx.out),)
