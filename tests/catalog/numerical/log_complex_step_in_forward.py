# NUMERICAL: log.forward computes the slope with the complex step and saves it; backward only multiplies by it.
def log_forward(ctx, a):
    ctx.append(np.log(a + 1e-30j).imag * 1e30)
    return np.log(a)


def log_backward(ctx, grad_output):
    (slope,) = ctx
    return (grad_output * slope,)
