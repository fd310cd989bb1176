# NUMERICAL: log.backward is central differences with a step of each element's own size (np.spacing(a) * 2**26): neither uniform nor proportional to the input.
def log_backward(ctx, grad_output):
    (a,) = ctx
    h = np.spacing(a) * 67108864.0
    return (grad_output * (np.log(a + h) - np.log(a - h)) / (h + h),)
