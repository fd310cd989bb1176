# HOSTILE: records the inputs its sigmoid and log receive in forward-only requests (found by the grader's handler on the call stack), then sends the latest ones back in what a student sees: sigmoid.backward raises an error whose message lists them, log.backward warns with them (LEAKVALS: markers); sigmoid in its first backward request, log in every one; otherwise both are correct. Hidden test inputs must never reach visible feedback.
import sys
import warnings

# include: reference

_SEEN = []
_SENT = set()


def _in(handler):
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == handler and "worker" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def _record(a):
    if _in("_forward"):
        _SEEN.append(np.array(a, dtype=np.float64).ravel().copy())


def _latest(n=24):
    values = [v for arr in _SEEN[::-1] for v in arr.tolist()]
    return "LEAKVALS:" + ",".join("%.17g" % v for v in values[:n])


def sigmoid_forward(ctx, a):
    _record(a)
    return reference.sigmoid.forward(ctx, a)


def sigmoid_backward(ctx, grad_output):
    if "sigmoid" not in _SENT and _in("_backward"):
        _SENT.add("sigmoid")
        raise RuntimeError(_latest())
    return reference.sigmoid.backward(ctx, grad_output)


def log_forward(ctx, a):
    _record(a)
    return reference.log.forward(ctx, a)


def log_backward(ctx, grad_output):
    if _in("_backward"):
        warnings.warn(_latest())
    return reference.log.backward(ctx, grad_output)
