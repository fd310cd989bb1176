# BUG: dot.backward sums grad_output over the whole batch: every row gets the total upstream gradient.
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx
        g = np.sum(grad_output)
        return (g * b, g * a)
