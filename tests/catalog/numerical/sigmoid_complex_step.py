# NUMERICAL: sigmoid.backward uses the complex step, exact to rounding: Im f(a + ih) / h.
def sigmoid_forward(ctx, a):
    ctx.append(a)
    return np.exp(np.minimum(a, 0)) / (1 + np.exp(-np.abs(a)))


def sigmoid_backward(ctx, grad_output):
    (a,) = ctx
    h = 1e-20
    x = np.clip(a, -700, 700) + h * 1j
    return (grad_output * (1 / (1 + np.exp(-x))).imag / h,)
