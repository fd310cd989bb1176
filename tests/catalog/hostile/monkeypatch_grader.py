# HOSTILE: imports every grader module it can find and replaces checking functions with always-pass ones, patches edugrad.gradcheck, and forces pytest reports to 'passed'; dot.backward also swaps the gradients.
import gc
import importlib
import pkgutil
import sys
import types


# include: reference


_WORDS = ('check', 'assert', 'compare', 'verify', 'grade', 'score', 'close', 'fail', 'expect', 'judge', 'verdict', 'run', 'test', 'numerical', 'finite')


def _pass(*args, **kwargs):
    return True


def _neuter(module):
    for name, obj in list(vars(module).items()):
        if isinstance(obj, types.FunctionType) and any((w in name.lower() for w in _WORDS)):
            try:
                setattr(module, name, _pass)
            except Exception:
                pass


def _patch_everything():
    try:
        import grader
        for info in pkgutil.walk_packages(grader.__path__, 'grader.'):
            try:
                importlib.import_module(info.name)
            except BaseException:
                pass
    except BaseException:
        pass
    for name, module in list(sys.modules.items()):
        if module is not None and (name.startswith('grader') or name.startswith('hw3') or name == 'edugrad.gradcheck'):
            _neuter(module)
    try:
        import edugrad.gradcheck as gc_module
        report = gc_module.GradcheckReport
        gc_module.gradcheck = lambda op, *a, **k: report(True, op.op_class.__name__, 'ok')
    except BaseException:
        pass
    _force_pytest_green()


def _force_pytest_green():
    if '_pytest.config' not in sys.modules:
        return
    try:
        import pytest

        class AllGreen:

            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(self, item, call):
                outcome = (yield)
                report = outcome.get_result()
                report.outcome = 'passed'
                report.longrepr = None
        config_class = sys.modules['_pytest.config'].Config
        for obj in gc.get_objects():
            if isinstance(obj, config_class):
                try:
                    obj.pluginmanager.register(AllGreen(), 'all-green-%d' % id(obj))
                except BaseException:
                    pass
    except BaseException:
        pass


_patch_everything()


def sigmoid_forward(ctx, a):
    _patch_everything()
    return reference.sigmoid.forward(ctx, a)


def dot_backward(ctx, grad_output):
    a, b = ctx
    g = grad_output[..., None]
    return (g * a, g * b)
