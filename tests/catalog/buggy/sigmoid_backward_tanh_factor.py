# BUG: sigmoid.backward uses 0.5 * (1 - tanh(a/2)**2), twice the right derivative 0.25 * (1 - tanh(a/2)**2).
def sigmoid_forward(ctx, a):
    ctx.a = a
    return 0.5 * (1 + np.tanh(a / 2))


def sigmoid_backward(ctx, grad_output):
    t = np.tanh(ctx.a / 2)
    return (grad_output * 0.5 * (1 - t * t),)
