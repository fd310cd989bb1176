"""gradcheck itself: it passes correct ops and catches (and locates) wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad import Operation, gradcheck, ops, tensor_op
from edugrad.gradcheck import numerical_vjp

X = np.random.default_rng(0).normal(size=(3, 4))


@tensor_op
class cube(Operation):
    """a ** 3 with a correct backward."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return a ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return (grad_output * 3 * a ** 2,)


@tensor_op
class cube_wrong_at_one_element(Operation):
    """a ** 3 whose backward doubles the gradient of element (1, 2) only."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return a ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        g = grad_output * 3 * a ** 2
        g[1, 2] *= 2
        return (g,)


@tensor_op
class cube_forgets_grad_output(Operation):
    """a ** 3 whose backward returns d(out)/da, ignoring grad_output: the classic bug."""

    @staticmethod
    def forward(ctx, a):
        ctx.append(a)
        return a ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx
        return (3 * a ** 2,)


def test_a_correct_op_passes():
    report = gradcheck(cube, X)
    assert report.ok and bool(report), str(report)
    assert "matches" in str(report), str(report)


def test_a_provided_two_input_op_passes():
    report = gradcheck(ops.matmul, X, X.T)
    assert report.ok, str(report)


def test_integer_inputs_are_passed_through_unchecked():
    report = gradcheck(ops.take_rows, X, np.array([0, 2, 2]))
    assert report.ok, str(report)


def test_a_wrong_element_is_caught_and_located():
    report = gradcheck(cube_wrong_at_one_element, X)
    assert not report.ok and not bool(report), str(report)
    assert (report.input_index, report.index) == (0, (1, 2)), (report.input_index, report.index)
    np.testing.assert_allclose(report.analytic, 2 * report.numeric, rtol=1e-5)
    assert report.input_value == X[1, 2], report.input_value


def test_the_report_message_gives_op_input_element_and_both_values():
    report = gradcheck(cube_wrong_at_one_element, X)
    msg = str(report)
    for part in ("cube_wrong_at_one_element", "input 0 (`a`)", "(1, 2)",
                 f"{report.analytic:.6g}", f"{report.numeric:.6g}"):
        assert part in msg, f"{part!r} not in {msg}"


def test_forgetting_grad_output_is_caught_although_a_sum_loss_would_miss_it():
    """With upstream all ones (what checking sum(output) does) the bug is invisible."""
    ones = gradcheck(cube_forgets_grad_output, X, upstream=np.ones(X.shape))
    assert ones.ok, "sanity: a sum-loss check cannot see this bug"
    report = gradcheck(cube_forgets_grad_output, X)
    assert not report.ok, str(report)


def test_a_backward_error_becomes_a_failed_report_with_its_message():
    @tensor_op
    class wrong_shape(Operation):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad_output):
            return (grad_output.T,)

    report = gradcheck(wrong_shape, X)
    assert not report.ok and "transpose" in str(report), str(report)


def test_a_function_that_is_not_a_tensor_op_is_refused():
    with pytest.raises(TypeError, match=r"@tensor_op.*'mse_loss'"):
        gradcheck(ops.mse_loss, X, X)


def test_numerical_vjp_matches_a_closed_form():
    upstream = np.random.default_rng(1).normal(size=X.shape)
    (numeric,) = numerical_vjp(cube.forward, [X], upstream, wrt=[0])
    np.testing.assert_allclose(numeric, upstream * 3 * X ** 2, rtol=1e-6, atol=1e-8)


def test_gradcheck_leaves_the_callers_arrays_unchanged():
    x = X.copy()
    gradcheck(cube, x)
    assert np.array_equal(x, X)
