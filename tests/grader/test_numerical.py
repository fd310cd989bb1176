"""A backward that differentiates numerically is recognised; analytic ones never are.

Whole submissions are in tests/catalog (numerical/ must be caught, valid/ must not);
these are the rules one by one, on the smallest code that shows them.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from edugrad.operation import Operation, tensor_op
from grader import numerical
from sandboxed import probe

HEADER = "import numpy as np\nfrom edugrad.operation import Operation, tensor_op\n\n"


def ops_file(backward_body: str, extra: str = "", forward_body: str = "ctx.append(a)\nreturn np.log(a)") -> str:
    return HEADER + textwrap.dedent(extra) + textwrap.dedent(f"""
@tensor_op
class log(Operation):
    @staticmethod
    def forward(ctx, a):
{textwrap.indent(forward_body, ' ' * 8)}

    @staticmethod
    def backward(ctx, grad_output):
{textwrap.indent(textwrap.dedent(backward_body), ' ' * 8)}
""")


NUMERICAL = {
    "central differences of a helper": ("(a,) = ctx\nh = 1e-5\nreturn (grad_output * (f(a + h) - f(a - h)) / (2 * h),)",
                                        "def f(x):\n    return np.log(x)\n"),
    "one-sided differences with a literal step": ("(a,) = ctx\nreturn (grad_output * (np.log(a + 1e-7) - np.log(a)) / 1e-7,)", ""),
    "a step from machine epsilon": ("(a,) = ctx\neps = np.finfo(float).eps ** 0.5\nreturn (grad_output * (np.log(a + eps) - np.log(a - eps)) / (2 * eps),)", ""),
    "a relative step": ("(a,) = ctx\nh = 1e-6 * a\nreturn (grad_output * (np.log(a + h) - np.log(a - h)) / (2 * h),)", ""),
    "a step passed as an argument": ("(a,) = ctx\nreturn (grad_output * slope(np.log, a, a * 1e-4),)",
                                     "def slope(f, x, h):\n    return (f(x + h) - f(x - h)) / (2 * h)\n"),
    "multiplying by one over the step": ("(a,) = ctx\nh = 1e-6\nreturn (grad_output * (np.log(a + h) - np.log(a)) * (1 / h),)", ""),
    "the complex step": ("(a,) = ctx\nreturn (grad_output * np.log(a + 1e-20j).imag / 1e-20,)", ""),
    "complex numbers by dtype": ("(a,) = ctx\nz = a.astype(np.complex128)\nz += 1e-20j\nreturn (grad_output * np.log(z).imag * 1e20,)", ""),
    "edugrad's checker": ("from edugrad.gradcheck import numerical_vjp\n(a,) = ctx\nreturn tuple(numerical_vjp(log.op_class.forward, [a], grad_output, [0]))", ""),
    "the grader imported at module level": ("(a,) = ctx\nreturn tuple(checks.numerical_vjp(log.op_class.forward, [a], grad_output, [0]))",
                                            "from grader import checks\n"),
    "numpy's gradient": ("(a,) = ctx\nh = 1e-3\nreturn (grad_output * np.gradient(np.log(np.stack([a - h, a, a + h])), h, axis=0)[1],)", ""),
    "scipy's approx_fprime": ("from scipy.optimize import approx_fprime\n(a,) = ctx\nreturn (grad_output * approx_fprime(a, lambda x: np.log(x).sum()),)", ""),
    "a step written as a string": ("(a,) = ctx\nh = float('1e-6')\nreturn (grad_output * (np.log(a + h) - np.log(a)) * (1 / h),)", ""),
    "a secant through two points": ("import math\n(a,) = ctx\nout = np.empty_like(a)\nfor i in np.ndindex(a.shape):\n    up, down = float(a[i]) * 1.000001, float(a[i]) * 0.999999\n    out[i] = (math.log(up) - math.log(down)) / (up - down)\nreturn (grad_output * out,)", ""),
    "differences of values computed a line earlier": ("import math, os\n(a,) = ctx\nh = float(os.environ.get('STEP', '1e-6'))\nout = np.empty_like(a)\nfor i in np.ndindex(a.shape):\n    up, down = math.log(a[i] + h), math.log(a[i] - h)\n    out[i] = (up - down) / (2 * h)\nreturn (grad_output * out,)", ""),
    "slopes of a table by slicing": ("(a,) = ctx\nreturn (grad_output * np.interp(a, X[1:], (T[1:] - T[:-1]) / (X[1:] - X[:-1])),)",
                                     "X = np.linspace(0.01, 10, 100001)\nT = np.log(X)\n"),
    "slopes of a table by np.diff": ("(a,) = ctx\nreturn (grad_output * np.interp(a, X[1:], np.diff(T) / np.diff(X)),)",
                                     "X = np.linspace(0.01, 10, 100001)\nT = np.log(X)\n"),
    "a line fitted through nearby points": ("(a,) = ctx\nt = np.array([-1.0, 0.0, 1.0]) * STEP\nv = np.log(a.ravel()[None] + t[:, None])\nreturn (grad_output * np.polyfit(t, v, 1)[0].reshape(a.shape),)",
                                            "import os\nSTEP = float(os.environ.get('S', '1e-6'))\n"),
    "dual numbers": ("(a,) = ctx\nreturn (grad_output * D(a, 1.0).log().slope,)",
                     "class D:\n    def __init__(s, v, d):\n        s.v, s.slope = v, d\n    def __add__(s, o):\n        return D(s.v + o.v, s.slope + o.slope)\n"
                     "    def __mul__(s, o):\n        return D(s.v * o.v, s.slope * o.v + s.v * o.slope)\n    def log(s):\n        return D(np.log(s.v), s.slope / s.v)\n"),
    "dual numbers that only multiply": ("(a,) = ctx\nreturn (grad_output * (D(a, 1.0) * D(1 / a, 0.0)).slope,)",
                                        "class D:\n    def __init__(s, v, d):\n        s.v, s.slope = v, d\n"
                                        "    def __mul__(s, o):\n        return D(s.v * o.v, s.slope * o.v + s.v * o.slope)\n"
                                        "    def __rmul__(s, o):\n        return s * o\n"),
    "a step named by a default of the helper that uses it": ("(a,) = ctx\nreturn (grad_output * slope(np.log, a),)",
                                                             "def slope(f, x, h=1e-6):\n    return (f(x + h) - f(x)) / h\n"),
}

ANALYTIC = {
    "the formula": ("(a,) = ctx\nreturn (grad_output / a,)", ""),
    "an epsilon guard in the denominator": ("(a,) = ctx\nreturn (grad_output / (a + 1e-12),)", ""),
    "a difference divided by an input": ("(a,) = ctx\nreturn ((grad_output - 0 * a) / a,)", ""),
    "a helper recomputing forward on the same input": ("(a,) = ctx\nreturn (grad_output * np.exp(-f(a)),)",
                                                       "def f(x):\n    return np.log(x)\n"),
    "a variable named h that is no step": ("(a,) = ctx\nh = 0.5\nreturn (grad_output * (2 * h) / a,)", ""),
    "a tanh written with exponentials": ("(a,) = ctx\nt = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))\nreturn (grad_output / a + 0 * t,)", ""),
    "a difference of neighbours that is no slope": ("(a,) = ctx\nd = np.diff(a, axis=-1, prepend=0.0)\nreturn (grad_output / a + 0 * d,)", ""),
    "a difference halved": ("(a,) = ctx\nreturn ((grad_output - grad_output / 2) * 2 / a,)", ""),
    "sympy-free symbolic comment mentioning numerical_vjp": ("(a,) = ctx\n# not numerical_vjp: the formula\nreturn (grad_output / a,)", ""),
    "gradcheck used in a self-test at the bottom of the file": (
        "(a,) = ctx\nreturn (grad_output / a,)",
        "from edugrad.gradcheck import gradcheck\n\nif __name__ == '__main__':\n    print(gradcheck(log, np.ones(3)))\n"),
    "a quotient with a name minus one over that name": (
        "(a,) = ctx\nd = 1 + a\nreturn (grad_output * (d - 1) / d / a,)", ""),
    "an error message that mentions complex inputs": (
        "(a,) = ctx\nif np.iscomplexobj(a):\n    raise TypeError('complex inputs are not supported')\nreturn (grad_output / a,)", ""),
    "a helper class that overloads * to hand out two products": (
        "(a,) = ctx\nreturn ((grad_output * P(1 / a, a)).left,)",
        "class P:\n    __array_ufunc__ = None\n    def __init__(s, l, r):\n        s.left, s.right = l, r\n"
        "    def __mul__(s, g):\n        return P(g * s.left, g * s.right)\n    def __rmul__(s, g):\n        return s * g\n"),
    "a quotient of a difference of two names by one of them": (
        "(a,) = ctx\nden = 1 + a\nnum = a\nreturn (grad_output * (den - num) / den / a,)", ""),
    "a local named grad while a self-test imports jax.grad": (
        "(a,) = ctx\ngrad = grad_output / a\nreturn (grad,)",
        "if __name__ == '__main__':\n    from jax import grad\n"),
    "a local named like an unused finite-difference helper": (
        "(a,) = ctx\ngrad = grad_output / a\nreturn (grad,)",
        "def grad(f, x, h=1e-6):\n    return (f(x + h) - f(x - h)) / (2 * h)\n"),
    "a local rebinding a module-level step name": (
        "(a,) = ctx\nh = 1.0 + a\nreturn (grad_output * (h - 1.0) / h / a * h / (h - 1.0),)",
        "h = 1e-6\n"),
    "a local named like an unused checker's step parameter": (
        "(a,) = ctx\nh = a * a\nreturn (grad_output * (1 - 1 / (1 + a)) / h * (1 + a),)",
        "def my_check(f, x, h=1e-6):\n    return (f(x + h) - f(x - h)) / (2 * h)\n"),
}


@pytest.mark.parametrize("what", NUMERICAL)
def test_numerical_backward_is_recognised_from_its_source(what):
    body, extra = NUMERICAL[what]
    assert numerical.from_source(ops_file(body, extra), "log"), what


def test_slopes_of_a_table_are_named_as_such():
    body, extra = NUMERICAL["slopes of a table by slicing"]
    (found,) = numerical.from_source(ops_file(body, extra), "log")
    assert found.why.startswith("it divides differences of neighbouring values in a table"), found


@pytest.mark.parametrize("what", ANALYTIC)
def test_analytic_backward_is_never_taken_for_numerical(what):
    body, extra = ANALYTIC[what]
    assert numerical.from_source(ops_file(body, extra), "log") == [], what


FORWARD_SLOPES = {
    "differences with a literal step": "ctx.append((np.log(a + 1e-6) - np.log(a - 1e-6)) / 2e-6)\nreturn np.log(a)",
    "the complex step": "ctx.append(np.log(a + 1e-30j).imag * 1e30)\nreturn np.log(a)",
}


@pytest.mark.parametrize("what", FORWARD_SLOPES)
def test_a_slope_forward_computes_numerically_for_backward_is_recognised(what):
    source = ops_file("(slope,) = ctx\nreturn (grad_output * slope,)",
                      forward_body=FORWARD_SLOPES[what])
    found = numerical.from_source(source, "log")
    assert found and found[0].why.startswith("in forward, "), found


def test_a_forward_with_differences_of_its_own_is_not_numerical():
    forward = "ctx.append(a)\nm = np.max(a)\nreturn (a - m) + np.log(np.sum(np.exp(a - m)) - 0 * m)"
    assert numerical.from_source(ops_file("(a,) = ctx\nreturn (grad_output / a,)",
                                          forward_body=forward), "log") == []


def test_the_verdict_is_one_sentence_naming_the_op_and_the_rule():
    body, extra = NUMERICAL["the complex step"]
    message = numerical.verdict("log", ops_file(body, extra), [])
    assert message.startswith("log.backward differentiates numerically (it uses complex")
    assert "must compute the derivative from its formula" in message
    assert "line " in message


def test_evidence_from_the_run_alone_is_enough():
    message = numerical.verdict("log", ops_file("(a,) = ctx\nreturn (grad_output / a,)"),
                                ["backward evaluates `f` at an input moved by a small step"])
    assert "moved by a small step" in message


def test_a_file_that_does_not_parse_gives_no_evidence():
    assert numerical.from_source("def broken(:\n", "log") == []


# ------------------------------------------------------------------------ the probe
def _module(**names):
    import types

    module = types.ModuleType("submission_probe")
    for name, value in names.items():
        setattr(module, name, value)
        if callable(value):
            value.__module__ = module.__name__
    return module


def _save_input(ctx, a):
    ctx.append(a)
    return helper(a)


def _op(backward, forward=_save_input):
    @tensor_op
    class op(Operation):
        @staticmethod
        def forward(ctx, a):
            return forward(ctx, a)

        @staticmethod
        def backward(ctx, grad_output):
            return backward(ctx, grad_output)

    return op


def helper(x):
    return np.log(x)


def _probe(backward, forward=_save_input):
    op = _op(backward, forward)
    module = _module(helper=helper, op=op)
    op.op_class.__module__ = module.__name__
    _PROBED["module"] = module
    a = np.random.default_rng(0).uniform(0.5, 2.0, size=(3, 4))
    return probe.run(op.op_class, module, [a], np.ones((3, 4)))


def test_the_probe_sees_a_helper_evaluated_next_to_the_input():
    def backward(ctx, g):
        (a,) = ctx
        h = float("1e-6")
        return (g * (_call("helper", a + h) - _call("helper", a - h)) / (2 * h),)

    assert any("small step" in e for e in _probe(backward))


def test_the_probe_sees_one_element_moved_at_a_time():
    def backward(ctx, g):
        (a,) = ctx
        grad = np.empty_like(a)
        for j in np.ndindex(a.shape):
            up = a.copy()
            up[j] += 1e-6
            grad[j] = (_call("helper", up)[j] - _call("helper", a)[j]) / 1e-6
        return (g * grad,)

    assert any("one element" in e for e in _probe(backward))


def test_the_probe_sees_a_complex_argument():
    def backward(ctx, g):
        (a,) = ctx
        return (g * _call("helper", a + 1e-20j).imag / 1e-20,)

    assert any("complex" in e for e in _probe(backward))


def test_recomputing_forward_on_the_same_input_is_no_evidence():
    def backward(ctx, g):
        (a,) = ctx
        return (g * np.exp(-_call("helper", a)),)

    assert _probe(backward) == []


def test_a_float32_copy_of_the_input_is_no_evidence():
    def backward(ctx, g):
        (a,) = ctx
        return (g * np.exp(-_call("helper", a.astype(np.float32).astype(np.float64))),)

    assert _probe(backward) == []


def _step():
    """A step the source does not show (read at run time, as from the environment)."""
    return float(np.random.default_rng(1).choice([1e-5, 1e-6]))


def test_the_probe_sees_central_differences_written_inline_with_numpy():
    def backward(ctx, g):
        (a,) = ctx
        h = _step()
        return (g * (np.log(a + h) - np.log(a - h)) / (2 * h),)

    assert _probe(backward) == ["backward divides a difference of values computed at an "
                                "input moved by a small step by that step: finite differences"]


def test_the_probe_sees_through_a_conversion_to_a_plain_array():
    def backward(ctx, g):
        (a,) = ctx
        a, h = np.array(np.asarray(a, dtype=np.float64)), _step()
        return (g * (np.log(a + h) - np.log(a - h)) / (2 * h),)

    converters = {name: getattr(np, name) for name in probe.CONVERTERS}
    assert any("finite differences" in e for e in _probe(backward))
    assert {name: getattr(np, name) for name in probe.CONVERTERS} == converters  # put back


def test_the_probe_sees_points_stacked_in_one_array():
    def backward(ctx, g):
        (a,) = ctx
        h = _step()
        values = np.log(a[None] + np.array([-h, 0.0, h])[:, None, None])
        return (g * (values[2] - values[0]) / (2 * h),)

    assert any("finite differences" in e for e in _probe(backward))


def test_the_probe_sees_a_negated_input_moved_by_a_step():
    def backward(ctx, g):
        (a,) = ctx
        h = _step()
        up, down = 1 / (1 + np.exp(-a - h)), 1 / (1 + np.exp(-a + h))
        return (g * (up - down) / (h + h),)

    assert any("finite differences" in e for e in _probe(backward))


def test_the_probe_sees_a_difference_multiplied_by_one_over_the_step():
    def backward(ctx, g):
        (a,) = ctx
        h = _step()
        return (g * (np.log(a * (1 + h)) - np.log(a)) * (1 / h) / a,)

    assert any("one over the step" in e for e in _probe(backward))


def test_the_probe_sees_a_slope_computed_by_forward():
    def forward(ctx, a):
        h = _step()
        ctx.append((np.log(a + h) - np.log(a)) / h)
        return np.log(a)

    def backward(ctx, g):
        (slope,) = ctx
        return (g * slope,)

    found = _probe(backward, forward)
    assert found and found[0].startswith("forward divides a difference"), found


def test_the_probe_sees_the_complex_step_written_inline():
    def backward(ctx, g):
        (a,) = ctx
        return (g * np.log(a + _step() ** 3 * 1j).imag / _step() ** 3,)

    assert _probe(backward) == ["backward computes with complex numbers made from its "
                                "input: the complex step"]


def test_the_probe_sees_a_step_of_each_elements_own_size():
    def backward(ctx, g):
        (a,) = ctx
        h = np.spacing(a) * 2.0 ** 26  # neither one step for all nor one ratio for all
        return (g * (np.log(a + h) - np.log(a - h)) / (h + h),)

    assert any("finite differences" in e for e in _probe(backward))


def _save_output_through_where(ctx, a):
    s = np.where(a >= 0, 1 / (1 + np.exp(-np.abs(a))), 1 - 1 / (1 + np.exp(-np.abs(a))))
    ctx.append(s)
    return s


def test_the_probe_sees_a_secant_from_an_input_recovered_from_the_saved_output():
    def backward(ctx, g):
        (s,) = ctx
        x = np.log(s) - np.log1p(-s)
        y = x * (1 + 2.0 ** -24) + 2.0 ** -40
        return (g * (1 / (1 + np.exp(-y)) - 1 / (1 + np.exp(-x))) / (y - x),)

    found = _probe(backward, _save_output_through_where)
    assert any("(a secant)" in e for e in found), found


def test_an_input_recovered_from_the_saved_output_up_to_rounding_is_no_evidence():
    def backward(ctx, g):
        (s,) = ctx
        x = np.log(s) - np.log1p(-s)  # the input again, up to rounding
        e = np.exp(-np.abs(x))
        return (g * (e / (1 + e) ** 2 - 0.0 * (x - x)) / 1.0,)

    assert _probe(backward, _save_output_through_where) == []


def test_an_epsilon_guard_is_no_evidence():
    def backward(ctx, g):
        (a,) = ctx
        guarded = g / (a + 1e-12)
        return (guarded - 0.0 * guarded,)

    assert _probe(backward) == []


def test_an_analytic_sigmoid_with_differences_of_its_outputs_is_no_evidence():
    def forward(ctx, a):
        s = np.exp(np.minimum(a, 0)) / (1 + np.exp(-np.abs(a)))
        ctx.append(s)
        return s

    def backward(ctx, g):
        (s,) = ctx
        return (g * (s - s * s) / 1.0,)

    assert _probe(backward, forward) == []


_PROBED = {}


def _call(name, x):
    """Call the module's (wrapped) helper, as a submission's backward would."""
    return _PROBED["module"].__dict__[name](x)


def test_the_guard_names_what_was_replaced_after_it_was_made():
    import types

    held = types.ModuleType("held")
    held.run, table = (lambda: 1), {"probe": print}
    replaced = probe.guard(held, table)
    assert replaced() == []
    original, held.run, table["probe"] = held.run, (lambda: 2), len
    try:
        assert replaced() == ["probe", "run"]
    finally:
        held.run = original


def test_the_guard_is_not_fooled_by_replacing_the_probe_or_builtins(monkeypatch):
    import builtins

    replaced = probe.guard()
    monkeypatch.setattr(probe, "_moved", lambda x, inputs: "")
    monkeypatch.setattr(builtins, "sorted", lambda *args, **kwargs: [])
    monkeypatch.setattr(probe, "guard", lambda *held: (lambda: []))
    assert replaced() == ["_moved", "guard"]


def test_numpy_replaced_after_the_probe_was_imported_does_not_blind_it(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: False)
    test_the_probe_sees_central_differences_written_inline_with_numpy()


def test_a_changed_probe_is_reported_as_such_not_as_numerical():
    message = numerical.verdict("log", ops_file("(a,) = ctx\nreturn (grad_output / a,)"),
                                [numerical.TAMPERED + " (sandboxed/probe.py: module.run)"])
    assert message.startswith("log.backward could not be checked for numerical differentiation")
    assert "differentiates numerically" not in message


def test_code_that_fails_on_the_probes_arrays_is_probed_again_on_plain_ones():
    def backward(ctx, g):
        (a,) = ctx
        if type(a) is not np.ndarray:  # a submission dodging the watched arrays
            raise TypeError("not today")
        h = float("1e-6")
        return (g * (_call("helper", a + h) - _call("helper", a - h)) / (2 * h),)

    assert any("small step" in e for e in _probe(backward))


def _watched_backward(backward, a):
    op = _op(backward)
    module = _module(helper=helper, op=op)
    op.op_class.__module__ = module.__name__
    _PROBED["module"] = module
    ctx = type("Ctx", (list,), {})()
    op.op_class.forward(ctx, a)
    with probe.backward_watched(module, [a]) as seen:
        op.op_class.backward(ctx, np.ones_like(a))
    return seen


def test_an_ordinary_backward_evaluating_a_helper_at_two_nearby_points_shows():
    def backward(ctx, g):
        (a,) = ctx
        h = _step()
        return (g * (_call("helper", a + h) - _call("helper", a - h)) / (2 * h),)

    seen = _watched_backward(backward, np.array([0.5, 1.5, 2.5]))
    assert seen == ["backward evaluates `helper` at an input moved by a small step and at other "
                    "points: finite differences"]


def test_an_ordinary_backward_guarding_one_tiny_element_is_no_evidence():
    def backward(ctx, g):
        (a,) = ctx
        return (g * np.exp(-_call("helper", np.maximum(a, 1e-300))),)

    assert _watched_backward(backward, np.array([1e-310, 2.0, 3e200])) == []


def test_an_ordinary_backward_guarding_one_element_and_using_the_negation_is_no_evidence():
    def backward(ctx, g):  # s(x) * s(-x), with one tail clipped: one moved point, up to sign
        (a,) = ctx
        x = np.clip(a, -500.0, 500.0)
        with np.errstate(invalid="ignore"):  # the helper is a log; only its points matter
            return (g * _call("helper", x) * _call("helper", -x),)

    assert _watched_backward(backward, np.array([505.0, 2.0, 300.0])) == []


def test_an_ordinary_backward_moving_one_element_at_a_time_shows():
    def backward(ctx, g):
        (a,) = ctx
        h, out = _step(), np.empty_like(a)
        for j in range(a.size):
            up = a.copy()
            up[j] += h
            out[j] = (_call("helper", up)[j] - _call("helper", a)[j]) / h
        return (g * out,)

    seen = _watched_backward(backward, np.array([0.5, 1.5, 2.5]))
    assert seen and "one element moved" in seen[0], seen


def test_a_failure_of_the_watch_itself_never_reaches_the_submissions_code(monkeypatch):
    def broken(*args, **kwargs):
        raise AttributeError("a bug of the probe")

    monkeypatch.setattr(probe, "_moved", broken)
    monkeypatch.setattr(probe, "_judge", broken)

    def backward(ctx, g):
        (a,) = ctx
        return (g * np.exp(-_call("helper", a)) * (a + 0.0),)

    a = np.array([0.5, 1.5, 2.5])
    assert _watched_backward(backward, a) == []  # and the helper answered
    assert _probe(backward) == []


def test_a_module_entry_that_cannot_be_looked_at_is_left_unwatched():
    class Prickly:
        def __call__(self):
            return 1

        def __getattr__(self, name):
            raise RuntimeError("no looking")

    def backward(ctx, g):
        (a,) = ctx
        return (g / a,)

    op = _op(backward)
    module = _module(helper=helper, op=op)
    module.prickly = Prickly()
    op.op_class.__module__ = module.__name__
    assert [label for _, _, label in probe._targets(module)] == ["`helper`", "`op`"]


def test_watching_raises_no_warning_the_code_did_not_raise():
    import warnings

    def backward(ctx, g):
        (a,) = ctx
        return (g + 0 * _call("helper", np.abs(a)),)  # |a| - (-a) overflows at 1e308

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            _watched_backward(backward, np.array([1e308, 1e308, 2.0]))
    assert [str(w.message) for w in caught] == []


def test_an_input_lying_a_small_step_from_another_input_is_no_evidence():
    """multiply's far-end case drew a = -7.727e149, b = -7.746e149: a helper called once
    on b and once on a is evaluated at the inputs themselves, not at a moved point."""
    a, b = np.array(-7.727e149), np.array(-7.746e149)
    assert probe._moved(b, [a, b]) == ""
    assert probe._moved(np.asarray(a * (1 + 1e-7)), [a, b]) != ""


def test_an_unused_self_check_method_of_a_class_backward_reaches_is_not_read():
    """backward calls a helper method of its own op class; the class also holds a
    finite-difference self-check nothing calls."""
    source = HEADER + textwrap.dedent("""
        @tensor_op
        class log(Operation):
            @staticmethod
            def forward(ctx, a):
                ctx.append(a)
                return np.log(a)

            @staticmethod
            def local_grad(a):
                return 1 / a

            @staticmethod
            def self_check(a, h=1e-6):
                return (np.log(a + h) - np.log(a - h)) / (2 * h)

            @staticmethod
            def backward(ctx, grad_output):
                (a,) = ctx
                return (grad_output * log.op_class.local_grad(a),)
        """)
    assert numerical.from_source(source, "log") == []
    called = source.replace("log.op_class.local_grad(a)", "log.op_class.self_check(a)")
    assert numerical.from_source(called, "log"), "a self-check backward does call must count"
