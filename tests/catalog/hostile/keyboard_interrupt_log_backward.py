# HOSTILE: log.backward raises KeyboardInterrupt (what pytest treats as Ctrl-C); the other ops are correct.
@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        raise KeyboardInterrupt
