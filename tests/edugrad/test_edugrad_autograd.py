"""Backpropagation: accumulation, zeroing, reuse, None gradients, deep graphs, ordering."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from edugrad import Operation, Tensor, nn, ops, optim, tensor_op
from edugrad.autograd import topological_order


def three_times_sum(w: Tensor) -> Tensor:
    """L = sum(3 w), so dL/dw = 3 everywhere."""
    return ops.reduce_sum(ops.scale(w, factor=3.0))


# ----------------------------------------------------------- accumulation / zeroing
def test_grad_reads_as_zeros_of_the_value_shape_before_backward():
    t = Tensor(np.ones((2, 3), dtype=np.float32))
    assert t.grad.shape == (2, 3) and t.grad.dtype == np.float32, (t.grad.shape, t.grad.dtype)
    assert not t.grad.any(), t.grad


def test_integer_tensor_grad_is_float64_zeros():
    t = Tensor(np.array([1, 2, 3]))
    assert t.grad.dtype == np.float64 and not t.grad.any(), t.grad


def test_gradients_accumulate_across_backward_calls():
    w = Tensor(np.zeros(2))
    three_times_sum(w).backward()
    three_times_sum(w).backward()
    assert np.array_equal(w.grad, [6.0, 6.0]), f"w.grad {w.grad}"


def test_tensor_zero_grad_resets_the_gradient():
    w = Tensor(np.zeros(2))
    three_times_sum(w).backward()
    w.zero_grad()
    assert np.array_equal(w.grad, [0.0, 0.0]), f"w.grad {w.grad}"
    three_times_sum(w).backward()
    assert np.array_equal(w.grad, [3.0, 3.0]), f"w.grad {w.grad}"


def test_module_zero_grad_resets_every_parameter():
    model = nn.Linear(2, 2, rng=np.random.default_rng(0))
    ops.reduce_sum(model(Tensor(np.ones((1, 2))))).backward()
    assert model.weight.grad.any() and model.bias.grad.any()
    model.zero_grad()
    for name, p in model.named_parameters():
        assert not p.grad.any(), f"{name}.grad {p.grad}"


def test_optimizer_zero_grad_resets_every_parameter():
    a, b = Tensor(np.ones(2)), Tensor(np.ones(3))
    ops.add(ops.reduce_sum(a), ops.reduce_sum(b)).backward()
    opt = optim.SGD([a, b], lr=0.1)
    opt.zero_grad()
    assert not a.grad.any() and not b.grad.any(), (a.grad, b.grad)


def test_forgetting_zero_grad_makes_the_second_step_use_the_sum_of_both_gradients():
    """The slides' classic mistake: the second step's gradient is step 1's + step 2's."""
    def run(zero_each_step: bool) -> list[np.ndarray]:
        w = Tensor(np.array([1.0, -1.0]))
        opt = optim.SGD([w], lr=0.1)
        seen = []
        for _ in range(2):
            if zero_each_step:
                opt.zero_grad()
            ops.reduce_sum(ops.power(w, exponent=2)).backward()  # dL/dw = 2w
            seen.append(w.grad.copy())
            opt.step()
        return seen

    careful, forgetful = run(True), run(False)
    np.testing.assert_allclose(forgetful[0], careful[0])
    np.testing.assert_allclose(forgetful[1], careful[0] + careful[1],
                               err_msg="without zero_grad the 2nd gradient should be the sum")


def test_backward_twice_on_the_same_graph_adds_exactly_twice():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(3, 4)))
    w = Tensor(rng.normal(size=(4, 2)))
    loss = ops.reduce_mean(ops.relu(ops.matmul(x, w)))
    loss.backward()
    once = w.grad.copy(), x.grad.copy()
    loss.backward()
    assert np.array_equal(w.grad, 2 * once[0]), f"{w.grad} != 2 * {once[0]}"
    assert np.array_equal(x.grad, 2 * once[1]), f"{x.grad} != 2 * {once[1]}"


# ------------------------------------------------------------------------ reuse
def test_a_tensor_used_twice_in_one_op_gets_both_contributions():
    a = Tensor(np.array([1.0, 2.0]))
    b = a + a
    c = b + b
    c.backward(np.ones(2))
    assert np.array_equal(a.grad, [4.0, 4.0]), f"a.grad {a.grad}"
    assert np.array_equal(b.grad, [2.0, 2.0]), f"b.grad {b.grad}"


def test_a_tensor_used_in_two_branches_sums_the_branch_gradients():
    x = Tensor(np.array([-1.0, 2.0]))
    y = ops.add(ops.relu(x), ops.scale(x, factor=3.0))  # dy/dx = [x > 0] + 3
    y.backward(np.ones(2))
    assert np.array_equal(x.grad, [3.0, 4.0]), f"x.grad {x.grad}"


def test_matmul_of_a_tensor_with_itself_gets_both_sides_gradients():
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(3, 3))
    x = Tensor(xv)
    ops.reduce_sum(ops.matmul(x, x)).backward()
    ones = np.ones((3, 3))
    want = ones @ xv.T + xv.T @ ones  # d/dx sum(x x): left use + right use
    np.testing.assert_allclose(x.grad, want, rtol=1e-12)


def test_diamond_graph_is_ordered_inputs_first_and_each_node_once():
    a = Tensor(np.array(2.0), name="a")
    b = ops.scale(a, factor=2.0)
    c = ops.add(a, 1.0)
    d = ops.add(b, c)
    order = topological_order(d)
    pos = {id(t): i for i, t in enumerate(order)}
    assert len(order) == len(pos) == 5, [repr(t) for t in order]  # a, b, c, the constant 1, d
    assert pos[id(a)] < pos[id(b)] < pos[id(d)] and pos[id(a)] < pos[id(c)] < pos[id(d)], order
    d.backward()
    assert a.grad == 3.0, f"d = 2a + a + 1 so dd/da = 3, got {a.grad}"


def test_a_chain_of_10000_ops_backpropagates_without_recursion_error():
    limit = sys.getrecursionlimit()
    x = Tensor(np.array([1.0]))
    y = x
    for _ in range(10_000):
        y = ops.add(y, 1.0)
    y.backward(np.ones(1))
    assert x.grad[0] == 1.0, x.grad
    assert y.value[0] == 10_001.0, y.value
    assert sys.getrecursionlimit() == limit, "backward must not raise the recursion limit"


# -------------------------------------------------------------------- None grads
def test_integer_indices_get_no_gradient_and_the_table_gets_its_rows():
    table = Tensor(np.zeros((3, 2)))
    idx = Tensor(np.array([1, 1]))
    ops.take_rows(table, idx).backward(np.ones((2, 2)))
    assert idx._grad is None and not idx.grad.any(), f"indices got a gradient {idx.grad}"
    assert np.array_equal(table.grad[1], [2.0, 2.0]), table.grad


@tensor_op
class shift_by_index(Operation):
    """a + k for an integer k: a test op whose backward returns None for the integer input."""

    @staticmethod
    def forward(ctx, a, k):
        return a + k

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


def test_a_custom_op_may_return_none_for_an_integer_input():
    a = Tensor(np.zeros(2))
    shift_by_index(a, np.array(3)).backward(np.ones(2))
    assert np.array_equal(a.grad, [1.0, 1.0]), a.grad


def test_a_value_returned_for_an_integer_input_is_ignored():
    @tensor_op
    class gives_index_a_gradient(Operation):
        @staticmethod
        def forward(ctx, a, k):
            return a + k

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, np.ones(())

    k = Tensor(np.array(3))
    gives_index_a_gradient(Tensor(np.zeros(2)), k).backward(np.ones(2))
    assert k._grad is None, f"integer input got a gradient {k._grad}"


# ------------------------------------------------------------ grad_output misuse
def test_backward_without_argument_on_a_non_scalar_explains_what_to_do():
    t = ops.add(Tensor(np.ones((2, 3))), 1.0)
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*reduce_sum.*upstream gradient"):
        t.backward()


def test_backward_without_argument_works_for_a_one_element_array():
    w = Tensor(np.ones((1, 1)))
    ops.scale(w, factor=2.0).backward()
    assert w.grad[0, 0] == 2.0, w.grad


def test_backward_with_a_wrong_shaped_grad_output_names_both_shapes():
    t = ops.add(Tensor(np.ones((2, 3))), 1.0)
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        t.backward(np.ones((3, 2)))


def test_a_backward_that_edits_grad_output_in_place_is_stopped_before_it_corrupts_others():
    """add hands the same grad_output to both inputs; editing it in place would change y's."""
    @tensor_op
    class doubles_in_place(Operation):
        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, grad_output):
            grad_output *= 2
            return (grad_output,)

    x, y = Tensor(np.ones(2)), Tensor(np.ones(2))
    out = ops.add(doubles_in_place(x), y)
    with pytest.raises(ValueError, match=r"doubles_in_place\.backward.*in place.*grad_output"):
        out.backward(np.ones(2))


def test_inputs_of_a_pass_through_op_get_separate_gradient_arrays():
    x, y = Tensor(np.zeros(2)), Tensor(np.zeros(2))
    ops.add(x, y).backward(np.ones(2))
    x.grad[0] = 5.0  # e.g. hand-written gradient clipping
    assert y.grad[0] == 1.0, f"writing x.grad changed y.grad: {y.grad}"


def test_backward_keeps_its_own_copy_of_grad_output():
    t = ops.add(Tensor(np.zeros(2)), 1.0)
    upstream = np.ones(2)
    t.backward(upstream)
    upstream[:] = 7.0
    assert np.array_equal(t.grad, [1.0, 1.0]), f"t.grad follows the caller's array: {t.grad}"
