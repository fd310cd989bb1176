"""Tensor: operators map to ops (and are differentiable), helpful errors, a useful repr."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad import Tensor, ops

A = np.array([[1.0, -2.0], [3.0, 0.5]])
B = np.array([[0.5, 4.0], [-1.0, 2.0]])


@pytest.mark.parametrize(
    "expression, op_name, want",
    [
        (lambda a, b: a + b, "add", A + B),
        (lambda a, b: a - b, "minus", A - B),
        (lambda a, b: a @ b, "matmul", A @ B),
        (lambda a, b: a ** 2, "power", A ** 2),
        (lambda a, b: -a, "scale", -A),
        (lambda a, b: 3 * a, "scale", 3 * A),
        (lambda a, b: a * 3, "scale", 3 * A),
        (lambda a, b: a / 4, "scale", A / 4),
        (lambda a, b: 1.0 + a, "add", 1.0 + A),
        (lambda a, b: 1.0 - a, "minus", 1.0 - A),
        (lambda a, b: B + a, "add", B + A),
        (lambda a, b: B @ a, "matmul", B @ A),
    ],
    ids=["a+b", "a-b", "a@b", "a**2", "-a", "3*a", "a*3", "a/4", "1+a", "1-a", "array+a",
         "array@a"],
)
def test_operator_records_its_op_and_computes_the_value(expression, op_name, want):
    out = expression(Tensor(A), Tensor(B))
    assert isinstance(out, Tensor), type(out)
    assert out.op is not None and out.op.__name__ == op_name, out.op
    np.testing.assert_allclose(out.value, want)


def test_operators_are_differentiable_like_the_ops_they_call():
    a = Tensor(np.array([1.0, 2.0]))
    loss = ops.reduce_sum(-(a * 3) / 2 + a ** 2)  # d/da = -1.5 + 2a
    loss.backward()
    np.testing.assert_allclose(a.grad, [0.5, 2.5])


def test_numpy_scalar_times_tensor_is_a_tensor():
    out = np.float64(2.0) * Tensor(np.ones(2))
    assert isinstance(out, Tensor) and np.array_equal(out.value, [2.0, 2.0]), out


def test_tensor_times_tensor_points_to_an_elementwise_product_op():
    with pytest.raises(TypeError, match=r"elementwise-product operation .*@tensor_op"):
        Tensor(A) * Tensor(B)


def test_tensor_times_array_is_refused_like_tensor_times_tensor():
    with pytest.raises(TypeError, match="elementwise-product operation"):
        Tensor(A) * B


def test_tensor_to_a_tensor_power_is_refused_with_an_example():
    with pytest.raises(TypeError, match=r"t \*\* 2"):
        Tensor(A) ** Tensor(B)


def test_tensor_divided_by_tensor_is_refused():
    with pytest.raises(TypeError, match="Tensor / number"):
        Tensor(A) / Tensor(B)


def test_wrapping_a_tensor_in_a_tensor_asks_for_its_value():
    with pytest.raises(TypeError, match=r"\.value"):
        Tensor(Tensor(A))


def test_repr_shows_values_name_shape_and_dtype():
    text = repr(Tensor(np.zeros((2, 3)), name="weights"))
    for part in ("Tensor(", "name='weights'", "shape=(2, 3)", "dtype=float64", "0."):
        assert part in text, f"{part!r} not in {text}"


def test_repr_of_a_computed_tensor_names_its_op():
    text = repr(Tensor(A) + Tensor(B))
    assert "op=add" in text, text


def test_repr_of_a_big_tensor_is_abbreviated():
    text = repr(Tensor(np.arange(10_000.0).reshape(100, 100)))
    assert len(text) < 400 and "..." in text and "shape=(100, 100)" in text, text


def test_shape_ndim_dtype_item_and_len_describe_the_value():
    t = Tensor(np.ones((3, 2), dtype=np.float32))
    assert (t.shape, t.ndim, t.dtype, len(t)) == ((3, 2), 2, np.float32, 3)
    assert Tensor(np.array(2.5)).item() == 2.5


def test_leaves_have_no_op_and_results_have_parents():
    a, b = Tensor(A), Tensor(B)
    c = a + b
    assert a.is_leaf and not c.is_leaf, (a.op, c.op)
    assert c.parents == (a, b), c.parents
