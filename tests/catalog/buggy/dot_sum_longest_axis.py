# BUG: dot sums over the longest axis (np.argmax(a.shape)), assuming it is the feature axis.
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=int(np.argmax(a.shape)))

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = np.expand_dims(grad_output, int(np.argmax(a.shape)))
        return (g * b, g * a)
