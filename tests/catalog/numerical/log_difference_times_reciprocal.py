# NUMERICAL: log.backward multiplies a one-sided difference (a relative step read at run time) by one over the step.
import os


def log_backward(ctx, grad_output):
    (a,) = ctx
    h = float(os.environ.get("HW3_STEP", "1e-7"))
    return (grad_output * (np.log(a * (1 + h)) - np.log(a)) * (1 / h) / a,)
