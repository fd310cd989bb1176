# HOSTILE: dot.forward returns a 300 MB array (and the wrong shape), dot.backward a 200 MB pair; the other ops are correct.
def dot_forward(ctx, a, b):
    return np.ones((300 << 20) // 8)


def dot_backward(ctx, grad_output):
    return (np.ones((100 << 20) // 8), np.ones((100 << 20) // 8))
