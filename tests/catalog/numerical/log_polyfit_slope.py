# NUMERICAL: log.backward fits a line (np.polyfit) through forward's values at three points around each input, the spacing read at run time, and returns its slope.
import os


def log_backward(ctx, grad_output):
    (a,) = ctx
    offsets = np.array([-1.0, 0.0, 1.0]) * float(os.environ.get("HW3_SPACING", "1e-6"))
    flat = a.reshape(-1)
    values = np.log(flat[None, :] + offsets[:, None] * np.maximum(flat, 1e-300)[None, :])
    slope = np.polyfit(offsets, values, 1)[0] / np.maximum(flat, 1e-300)
    return (grad_output * slope.reshape(a.shape),)
