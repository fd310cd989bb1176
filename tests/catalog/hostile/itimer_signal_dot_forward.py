# HOSTILE: dot.forward installs a repeating 7 ms SIGALRM timer whose handler raises RuntimeError, interrupting its process at random points from then on; the other ops are correct.
import signal


def _boom(signum, frame):
    raise RuntimeError('tick')


@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        signal.signal(signal.SIGALRM, _boom)
        signal.setitimer(signal.ITIMER_REAL, 0.007, 0.007)
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=-1)
