# VALID: sigmoid via scipy.special.expit; log via scipy.special.xlogy-free np.log; dot via np.vecdot.
from scipy.special import expit


@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        s = expit(a)
        ctx.append(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return (grad_output * s * (1.0 - s),)


@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return np.vecdot(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return (np.multiply.outer(grad_output, np.ones(a.shape[-1])) * b, np.multiply.outer(grad_output, np.ones(a.shape[-1])) * a)
