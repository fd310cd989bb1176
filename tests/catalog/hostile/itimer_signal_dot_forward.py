# HOSTILE: dot.forward installs a SIGALRM timer whose handler raises RuntimeError: the first tick comes at once (inside dot.forward), then one every 7 ms interrupts its process at random points; the other ops are correct.
import signal


def _boom(signum, frame):
    raise RuntimeError('tick')


def dot_forward(ctx, a, b):
    signal.signal(signal.SIGALRM, _boom)
    signal.setitimer(signal.ITIMER_REAL, 1e-6, 0.007)
    ctx.append(a)
    ctx.append(b)
    return np.sum(a * b, axis=-1)
