# VALID: every backward returns a list instead of a tuple; log backward uses np.divide.
@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        s, = ctx
        return [grad_output * s * (1 - s)]


@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, = ctx
        return [np.divide(grad_output, a)]


@tensor_op
class multiply(multiply.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        return [grad_output * b, grad_output * a]


@tensor_op
class dot(dot.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = grad_output[..., None]
        return [g * b, g * a]
