# BUG: naive 1/(1+exp(-a)): exp overflows (RuntimeWarning) for a <= -710, which the handout forbids.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        s = 1 / (1 + np.exp(-a))
        ctx.append(s)
        return s
