# HOSTILE: sigmoid.forward prints 100 MB to stdout (once per process) and then computes correctly.
import sys


_printed = False


def sigmoid_forward(ctx, a):
    global _printed
    if not _printed:
        _printed = True
        chunk = 'debug ' * (2 ** 20 // 6) + '\n'
        for _ in range(100):
            sys.stdout.write(chunk)
        sys.stdout.flush()
    z = np.exp(-np.abs(a))
    s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
    ctx.append(s)
    return s
