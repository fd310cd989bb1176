# VALID: textbook two-branch np.where sigmoid with overflow silenced by np.errstate (the discarded branch may overflow).
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(over='ignore', invalid='ignore'):
            positive = 1 / (1 + np.exp(-a))
            negative = np.exp(a) / (1 + np.exp(a))
        s = np.where(a >= 0, positive, negative)
        ctx.append(s)
        return s


@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return (a * b).sum(-1)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = grad_output[..., np.newaxis]
        return (b * g, a * g)
