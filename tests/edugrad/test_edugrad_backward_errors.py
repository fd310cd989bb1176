"""What students see when their backward is wrong: each BackwardError names the op, the
input (index and name), what was expected and what came back."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad import BackwardError, Operation, Tensor, ops, tensor_op


def make_op(name: str, backward, two_inputs: bool = False):
    """A custom op whose forward is fine (a * 2, or a + b) and whose backward is ``backward``."""
    if two_inputs:
        def forward(ctx, a, b):
            ctx.append(a)
            ctx.append(b)
            return a + b
    else:
        def forward(ctx, a):
            ctx.append(a)
            return a * 2.0
    cls = type(name, (Operation,), {"forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})
    return tensor_op(cls)


def backward_error(op, *values, grad_output=None) -> str:
    inputs = [Tensor(np.asarray(v)) for v in values]
    out = op(*inputs)
    with pytest.raises(BackwardError) as info:
        out.backward(np.ones(out.value.shape) if grad_output is None else grad_output)
    return str(info.value)


def assert_mentions(message: str, *parts: str) -> None:
    missing = [p for p in parts if p not in message]
    assert not missing, f"message lacks {missing}:\n{message}"


def test_wrong_number_of_gradients_names_op_and_both_counts():
    op = make_op("two_for_one", lambda ctx, g: (g, g))
    msg = backward_error(op, np.ones(3))
    assert_mentions(msg, "two_for_one.backward", "returned 2 gradient(s)", "has 1 input(s)",
                    "How to fix")


def test_bare_array_for_a_two_input_op_asks_for_a_tuple():
    op = make_op("bare_array", lambda ctx, g: g, two_inputs=True)
    msg = backward_error(op, np.ones(3), np.ones(3))
    assert_mentions(msg, "bare_array.backward", "a single ndarray", "2 inputs", "return a tuple")


def test_none_for_a_two_input_op_asks_for_a_tuple():
    op = make_op("returns_nothing", lambda ctx, g: None, two_inputs=True)
    msg = backward_error(op, np.ones(3), np.ones(3))
    assert_mentions(msg, "returns_nothing.backward", "returned None", "2 gradients")


def test_a_dict_instead_of_a_tuple_is_named():
    op = make_op("dict_grads", lambda ctx, g: {"a": g})
    msg = backward_error(op, np.ones(3))
    assert_mentions(msg, "dict_grads.backward", "returned a dict", "tuple")


def test_a_list_instead_of_an_array_names_the_input_and_expected_shape():
    op = make_op("list_grad", lambda ctx, g: ([1.0, 1.0, 1.0],))
    msg = backward_error(op, np.ones(3))
    assert_mentions(msg, "list_grad.backward", "returned a list", "input 0 (`a`)",
                    "numpy array of shape (3,)")


def test_a_tensor_instead_of_an_array_is_named():
    op = make_op("tensor_grad", lambda ctx, g: (Tensor(g),))
    msg = backward_error(op, np.ones(3))
    assert_mentions(msg, "tensor_grad.backward", "returned a Tensor", "input 0 (`a`)")


def test_wrong_shape_names_the_second_input_expected_and_got():
    op = make_op("bad_shape", lambda ctx, g: (g, g[:2]), two_inputs=True)
    msg = backward_error(op, np.ones(3), np.ones(3))
    assert_mentions(msg, "bad_shape.backward", "input 1 (`b`)", "shape (2,)", "expected (3,)")


def test_grad_output_shaped_gradient_for_a_broadcast_input_hints_to_sum():
    op = make_op("no_unbroadcast", lambda ctx, g: (g, g), two_inputs=True)
    msg = backward_error(op, np.ones((4, 3)), np.ones(3))
    assert_mentions(msg, "no_unbroadcast.backward", "input 1 (`b`)", "shape (4, 3)",
                    "expected (3,)", "shape of grad_output", "sum grad_output")


def test_transposed_gradient_hints_at_a_transpose():
    op = make_op("transposed", lambda ctx, g: (g.T,))
    msg = backward_error(op, np.ones((2, 3)))
    assert_mentions(msg, "transposed.backward", "input 0 (`a`)", "shape (3, 2)",
                    "expected (2, 3)", "transpose")


def test_none_for_a_float_input_explains_none_is_only_for_integers():
    op = make_op("forgot_b", lambda ctx, g: (g, None), two_inputs=True)
    msg = backward_error(op, np.ones(2), np.ones(2))
    assert_mentions(msg, "forgot_b.backward", "returned None for input 1 (`b`)",
                    "floating-point input of shape (2,)", "integer inputs")


def test_nan_where_inputs_were_finite_names_the_element_and_the_input_value():
    def backward(ctx, g):
        (a,) = ctx
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g * 0.0 / a,)  # 0/0 = nan at a == 0
    op = make_op("divides_by_input", backward)
    msg = backward_error(op, np.array([1.0, 0.0, 2.0]))
    assert_mentions(msg, "divides_by_input.backward", "returned nan at index (1,)",
                    "input 0 (`a`)", "that input is 0.0", "were finite",
                    "a division by something that is 0 there")


def test_inf_where_inputs_were_finite_is_an_error():
    def backward(ctx, g):
        return (g * np.array([1.0, np.inf]),)
    msg = backward_error(make_op("makes_inf", backward), np.array([1.0, 2.0]))
    assert_mentions(msg, "makes_inf.backward", "returned inf at index (1,)", "input 0 (`a`)")


def test_nan_made_deep_inside_a_graph_names_the_op_that_made_it():
    # The finite check runs only when a NaN reaches a leaf (autograd.py); then the graph
    # is walked again to blame the first op whose finite inputs gave a NaN gradient.
    def backward(ctx, g):
        (a,) = ctx
        with np.errstate(divide="ignore", invalid="ignore"):
            return (g * 0.0 / a,)
    a = Tensor(np.array([1.0, 0.0, 2.0]))
    hidden = make_op("divides_by_input", backward)(ops.relu(a * 3.0) - 0.0)
    loss = ops.reduce_sum(ops.add(hidden, hidden) * 0.5)
    with pytest.raises(BackwardError) as info:
        loss.backward()
    assert_mentions(str(info.value), "divides_by_input.backward", "returned nan",
                    "input 0 (`a`)")


def test_finite_gradients_through_a_graph_raise_nothing_and_accumulate():
    a = Tensor(np.array([1.0, -2.0, 3.0]))
    loss = ops.reduce_sum(ops.relu(a * 2.0) + a)
    loss.backward()
    loss.backward()
    assert np.array_equal(a.grad, [6.0, 2.0, 6.0]), a.grad


def test_nonfinite_gradient_is_accepted_when_the_input_was_already_nonfinite():
    def backward(ctx, g):
        (a,) = ctx
        return (g * a,)  # inf where a is inf: garbage in, garbage out, not the op's fault
    a = Tensor(np.array([1.0, np.inf]))
    make_op("passes_inf_on", backward)(a).backward(np.ones(2))
    assert np.isinf(a.grad[1]), a.grad


def test_nonfinite_gradient_is_accepted_when_grad_output_was_nonfinite():
    a = Tensor(np.array([1.0, 2.0]))
    make_op("doubles", lambda ctx, g: (2 * g,))(a).backward(np.array([1.0, np.nan]))
    assert np.isnan(a.grad[1]), a.grad


def test_integer_gradient_for_a_float_input_is_rejected_as_truncated():
    op = make_op("int_grad", lambda ctx, g: ((g * 3).astype(np.int64),))
    msg = backward_error(op, np.array([0.5, 1.5]))
    assert_mentions(msg, "int_grad.backward", "dtype int64", "fraction was cut off",
                    "input 0 (`a`)")


def test_boolean_gradient_is_rejected_as_not_real_numbers():
    op = make_op("bool_grad", lambda ctx, g: (g > 0,))
    msg = backward_error(op, np.ones(2))
    assert_mentions(msg, "bool_grad.backward", "dtype bool", "input 0 (`a`)")


def test_a_python_float_is_accepted_for_a_scalar_input():
    a = Tensor(np.array(3.0))
    make_op("scalar_float", lambda ctx, g: (2.0 * float(g),))(a).backward()
    assert a.grad == 2.0, a.grad


def test_a_list_of_arrays_is_accepted_like_a_tuple():
    a, b = Tensor(np.ones(2)), Tensor(np.ones(2))
    make_op("list_of_grads", lambda ctx, g: [g, 2 * g], two_inputs=True)(a, b).backward(np.ones(2))
    assert np.array_equal(b.grad, [2.0, 2.0]), b.grad


def test_backward_error_is_a_value_error_so_generic_handlers_catch_it():
    assert issubclass(BackwardError, ValueError)


def test_forward_returning_a_list_is_a_type_error_naming_the_op():
    @tensor_op
    class list_forward(Operation):
        @staticmethod
        def forward(ctx, a):
            return [1.0]

    with pytest.raises(TypeError, match=r"list_forward\.forward returned list"):
        list_forward(np.ones(1))


def test_tensor_op_rejects_a_class_that_is_not_an_operation():
    with pytest.raises(TypeError, match="subclasses Operation"):
        tensor_op(int)
