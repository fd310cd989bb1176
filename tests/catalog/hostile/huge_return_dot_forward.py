# HOSTILE: dot.forward returns a 300 MB array (and the wrong shape), dot.backward a 200 MB pair; the other ops are correct.
@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        return np.ones((300 << 20) // 8)

    @staticmethod
    def backward(ctx, grad_output):
        return (np.ones((100 << 20) // 8), np.ones((100 << 20) // 8))
