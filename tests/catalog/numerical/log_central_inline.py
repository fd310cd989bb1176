# NUMERICAL: log.backward writes central differences inline, with a relative step.
def log_backward(ctx, grad_output):
    (a,) = ctx
    h = 1e-6 * a
    return (grad_output * (np.log(a + h) - np.log(a - h)) / (2 * h),)
