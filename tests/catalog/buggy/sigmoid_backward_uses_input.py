# BUG: sigmoid.backward uses the input a where the output sigma(a) was meant: grad*a*(1-a).
def sigmoid_forward(ctx, a):
    ctx.append(a)
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0, z) / (1 + z)


def sigmoid_backward(ctx, grad_output):
    a, = ctx
    return (grad_output * a * (1 - a),)
