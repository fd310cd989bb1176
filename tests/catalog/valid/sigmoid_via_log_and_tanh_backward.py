# VALID: sigmoid forward with tanh, backward written as 0.25*(1 - tanh(a/2)**2) from the saved input; log backward via np.reciprocal.
def sigmoid_forward(ctx, a):
    ctx.append(a)
    return 0.5 + 0.5 * np.tanh(a / 2)


def sigmoid_backward(ctx, grad_output):
    a, = ctx
    t = np.tanh(a / 2)
    return (grad_output * 0.25 * (1 - t * t),)


def log_backward(ctx, grad_output):
    a, = ctx
    return (grad_output * np.reciprocal(a),)
