# BUG: sigmoid.forward = 1 - e/(1+e) with e = exp(-a) under np.errstate(all='ignore'): inf/inf = NaN for a < -709.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        with np.errstate(over='ignore', invalid='ignore'):
            e = np.exp(-a)
            s = 1 - e / (1 + e)
        ctx.append(s)
        return s
