"""Every provided op: forward against numpy, backward against finite differences, and laws."""

from __future__ import annotations

import numpy as np
import pytest
from edugrad_catalogue import (
    BY_NAME,
    CATALOGUE,
    autograd_vjp,
    float_positions,
    numeric_vjp,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from edugrad import Tensor, gradcheck, ops

CASES = pytest.mark.parametrize("case", CATALOGUE, ids=str)


def upstream_for(case, arrays, options, seed=0):
    shape = case.op(*arrays, **options).value.shape
    return np.random.default_rng(seed).normal(size=shape)


def test_catalogue_covers_every_op_in_edugrad_ops():
    provided = {name for name, f in vars(ops).items() if hasattr(f, "op_class")}
    provided.add("mse_loss")
    missing = provided - set(BY_NAME)
    assert not missing, (
        f"edugrad.ops has ops without tests: {sorted(missing)}; add an OpCase for each to "
        "tests/edugrad/edugrad_catalogue.py"
    )


@CASES
@given(data=st.data())
def test_forward_matches_numpy_reference(case, data):
    arrays, options = data.draw(case.draw, label="arrays, options")
    got = case.op(*arrays, **options).value
    want = case.reference(*arrays, **options)
    assert got.shape == np.shape(want), f"{case.name}: shape {got.shape}, numpy gives {np.shape(want)}"
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=case.name)


@CASES
@given(data=st.data())
def test_backward_matches_finite_differences(case, data):
    arrays, options = data.draw(case.draw, label="arrays, options")
    if case.composite:
        upstream = upstream_for(case, arrays, options)
        for i, ana, num in zip(float_positions(arrays),
                               autograd_vjp(case, arrays, options, upstream),
                               numeric_vjp(case, arrays, options, upstream)):
            np.testing.assert_allclose(ana, num, rtol=1e-4, atol=1e-6,
                                       err_msg=f"{case.name}: gradient of input {i}")
    else:
        report = gradcheck(case.op, *arrays, **options)
        assert report.ok, str(report)


@CASES
@given(data=st.data(), c1=st.floats(-2, 2), c2=st.floats(-2, 2))
def test_backward_is_linear_in_grad_output(case, data, c1, c2):
    arrays, options = data.draw(case.draw, label="arrays, options")
    u1 = upstream_for(case, arrays, options, seed=1)
    u2 = upstream_for(case, arrays, options, seed=2)
    combined = autograd_vjp(case, arrays, options, c1 * u1 + c2 * u2)
    separate = [c1 * g1 + c2 * g2 for g1, g2 in zip(autograd_vjp(case, arrays, options, u1),
                                                    autograd_vjp(case, arrays, options, u2))]
    for got, want in zip(combined, separate):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=case.name)


@CASES
@given(data=st.data())
def test_forward_and_backward_leave_the_inputs_unchanged(case, data):
    arrays, options = data.draw(case.draw, label="arrays, options")
    inputs = [Tensor(a.copy()) for a in arrays]
    out = case.op(*inputs, **options)
    out.backward(upstream_for(case, arrays, options))
    for i, (t, a) in enumerate(zip(inputs, arrays)):
        assert np.array_equal(t.value, a), f"{case.name} changed input {i}: {a} -> {t.value}"


@CASES
@given(data=st.data())
def test_float32_inputs_give_float32_outputs_and_gradients(case, data):
    arrays, options = data.draw(case.draw, label="arrays, options")
    inputs = [Tensor(a.astype(np.float32) if np.issubdtype(a.dtype, np.floating) else a)
              for a in arrays]
    out = case.op(*inputs, **options)
    assert out.value.dtype == np.float32, f"{case.name} output dtype {out.value.dtype}"
    out.backward(np.ones(out.value.shape, dtype=np.float32))
    for i in float_positions(arrays):
        g = inputs[i].grad
        assert g.dtype == np.float32, f"{case.name} input {i} grad dtype {g.dtype}"
        assert g.shape == arrays[i].shape, f"{case.name} input {i} grad shape {g.shape}"


# ------------------------------------------------------------------- take_rows
@given(data=st.data())
def test_take_rows_gradient_equals_dense_one_hot_product(data):
    (table, indices), _ = data.draw(BY_NAME["take_rows"].draw)
    upstream = np.random.default_rng(0).normal(size=indices.shape + table.shape[1:])
    t = Tensor(table)
    ops.take_rows(t, indices).backward(upstream)
    one_hot = np.eye(table.shape[0])[indices.reshape(-1)]  # (n, V)
    want = one_hot.T @ upstream.reshape(-1, table.shape[1])
    np.testing.assert_allclose(t.grad, want, rtol=1e-12, atol=1e-12)


def test_take_rows_repeated_index_accumulates_every_use():
    table = Tensor(np.zeros((3, 2)))
    ops.take_rows(table, np.array([2, 2, 2, 0])).backward(np.ones((4, 2)))
    want = np.array([[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]])
    assert np.array_equal(table.grad, want), f"got {table.grad.tolist()}, want {want.tolist()}"


def test_take_rows_rejects_float_indices_with_a_fix():
    with pytest.raises(TypeError, match=r"integer indices.*float64.*astype"):
        ops.take_rows(Tensor(np.zeros((3, 2))), np.array([0.0, 1.0]))


# ------------------------------------------------------------------ other laws
@given(a=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=st.floats(-3, 3)))
def test_reduce_sum_along_every_axis_in_turn_equals_the_total(a):
    t = Tensor(a)
    for _ in range(a.ndim):
        t = ops.reduce_sum(t, axis=0)
    total = ops.reduce_sum(Tensor(a)).value
    np.testing.assert_allclose(t.value, total, rtol=1e-12, atol=1e-12)


@given(a=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=st.floats(-3, 3)))
def test_reduce_mean_is_the_sum_divided_by_the_size(a):
    m, s = Tensor(a), Tensor(a)
    ops.reduce_mean(m).backward()
    ops.scale(ops.reduce_sum(s), factor=1 / a.size).backward()
    np.testing.assert_allclose(m.grad, s.grad, rtol=1e-12)


def test_add_gradient_sums_over_the_broadcast_axes():
    a, b = Tensor(np.zeros((4, 3))), Tensor(np.zeros(3))
    ops.add(a, b).backward(np.ones((4, 3)))
    assert np.array_equal(b.grad, [4.0, 4.0, 4.0]), f"b.grad {b.grad}"
    assert np.array_equal(a.grad, np.ones((4, 3))), f"a.grad {a.grad}"


def test_minus_gradient_of_a_broadcast_column_is_negative_row_sums():
    a, b = Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 1)))
    ops.minus(a, b).backward(np.arange(6.0).reshape(2, 3))
    assert np.array_equal(b.grad, [[-3.0], [-12.0]]), f"b.grad {b.grad.tolist()}"


@given(a=hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
       b=hnp.arrays(np.float64, (3,), elements=st.floats(-3, 3)))
def test_minus_is_antisymmetric(a, b):
    np.testing.assert_array_equal(ops.minus(a, b).value, -ops.minus(b, a).value)


@given(a=hnp.arrays(np.float64, (3, 4), elements=st.floats(-3, 3)))
def test_relu_is_idempotent_and_nonnegative(a):
    once = ops.relu(a).value
    assert (once >= 0).all(), once
    np.testing.assert_array_equal(ops.relu(once).value, once)


@given(a=hnp.arrays(np.float64, (3, 4), elements=st.floats(-3, 3)))
def test_matmul_with_the_identity_returns_the_input(a):
    np.testing.assert_array_equal(ops.matmul(a, np.eye(4)).value, a)
    np.testing.assert_array_equal(ops.matmul(np.eye(3), a).value, a)


def test_power_zero_has_zero_gradient_even_at_zero():
    a = Tensor(np.array([0.0, 2.0]))
    ops.reduce_sum(ops.power(a, exponent=0)).backward()
    assert np.array_equal(a.grad, [0.0, 0.0]), f"a.grad {a.grad}"


@given(p=hnp.arrays(np.float64, (3, 2), elements=st.floats(-3, 3)))
def test_mse_loss_is_zero_with_zero_gradient_at_the_targets(p):
    pred = Tensor(p)
    loss = ops.mse_loss(pred, Tensor(p.copy()))
    loss.backward()
    assert loss.item() == 0.0, loss.item()
    assert not pred.grad.any(), pred.grad


def test_matmul_rejects_vectors_with_a_reshape_hint():
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(2,\).*reshape"):
        ops.matmul(np.ones((3, 2)), np.ones(2))


def test_copy_rows_rejects_a_matrix_with_a_reshape_hint():
    with pytest.raises(ValueError, match=r"copy_rows.*\(2, 3\).*reshape"):
        ops.copy_rows(np.ones((2, 3)), num=2)


def test_take_rows_out_of_range_index_names_the_index_and_the_table_size():
    with pytest.raises(IndexError, match=r"index 7 is out of range for a table of 3 rows"):
        ops.take_rows(Tensor(np.zeros((3, 2))), np.array([0, 7, 1]))
