"""Optimizers against hand-computed steps, and their input checks."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad import Tensor, nn, ops, optim

START = [1.0, -2.0]


def two_steps(opt_class, g1, g2, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Parameter values after one and after two steps with the given gradients."""
    p = Tensor(np.array(START))
    opt = opt_class([p], **kwargs)
    seen = []
    for g in (g1, g2):
        opt.zero_grad()
        p.grad = np.array(g)
        opt.step()
        seen.append(p.value.copy())
    return seen[0], seen[1]


def test_sgd_two_steps_by_hand():
    # theta <- theta - 0.1 g:  [1, -2] - 0.1 [0.5, 1] = [0.95, -2.1];  then - 0.1 [-1, 2]
    first, second = two_steps(optim.SGD, [0.5, 1.0], [-1.0, 2.0], lr=0.1)
    np.testing.assert_allclose(first, [0.95, -2.1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(second, [1.05, -2.3], rtol=0, atol=1e-12)


def test_adagrad_two_steps_by_hand():
    # theta <- theta - lr / sqrt(G + eps) * g, G the running sum of g^2.
    # Step 1: G = [9, 0.36], sqrt = [3, 0.6]: step 0.1 * [3/3, 0.6/0.6] = [0.1, 0.1].
    # Step 2: G = [9 + 16, 0.36 + 0.64] = [25, 1]: step 0.1 * [4/5, 0.8/1] = [0.08, 0.08].
    # (eps=0 here so the numbers are exact; eps only guards against dividing by 0.)
    first, second = two_steps(optim.Adagrad, [3.0, 0.6], [4.0, 0.8], lr=0.1, eps=0.0)
    np.testing.assert_allclose(first, [0.9, -2.1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(second, [0.82, -2.18], rtol=0, atol=1e-12)


def test_adagrad_takes_no_step_and_no_nan_where_the_gradient_was_always_zero():
    first, second = two_steps(optim.Adagrad, [0.0, 1.0], [0.0, 1.0], lr=0.1)
    assert first[0] == second[0] == START[0], (first, second)


def test_adam_two_steps_by_hand_with_bias_correction():
    # b1 = 0.9, b2 = 0.999.  Step 1: m_hat = g, v_hat = g^2, so the step is lr * sign(g).
    # Step 2 with g2 = [0, 1]:  m = 0.9 * 0.1 * g1 + 0.1 * g2 = [0.18, 0.055],
    # v = 0.999 * 0.001 * g1^2 + 0.001 * g2^2 = [0.003996, 0.00124975],
    # corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999.
    first, second = two_steps(optim.Adam, [2.0, -0.5], [0.0, 1.0], lr=0.1)
    np.testing.assert_allclose(first, [0.9, -1.9], rtol=0, atol=1e-8)
    want = [0.9 - 0.1 * (0.18 / 0.19) / np.sqrt(0.003996 / 0.001999),
            -1.9 - 0.1 * (0.055 / 0.19) / np.sqrt(0.00124975 / 0.001999)]
    np.testing.assert_allclose(second, want, rtol=0, atol=1e-8)


@pytest.mark.parametrize("opt_class, lr", [(optim.SGD, 0.1), (optim.Adagrad, 0.5),
                                           (optim.Adam, 0.1)], ids=["SGD", "Adagrad", "Adam"])
def test_fifty_steps_shrink_a_quadratic_loss_a_hundredfold(opt_class, lr):
    target = np.array([3.0, -1.0, 0.5])
    p = Tensor(np.zeros(3))
    opt = opt_class([p], lr=lr)

    def loss() -> Tensor:
        return ops.reduce_sum(ops.power(ops.minus(p, target), exponent=2))

    start = loss().item()
    for _ in range(50):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().item() < start / 100, f"loss {start} -> {loss().item()}"


def test_step_reads_the_gradient_without_clearing_it():
    p = Tensor(np.zeros(2))
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.array([1.0, 2.0])
    opt.step()
    assert np.array_equal(p.grad, [1.0, 2.0]), p.grad


def test_a_parameter_listed_twice_is_stepped_once():
    p = Tensor(np.zeros(1))
    opt = optim.SGD([p, p], lr=1.0)
    p.grad = np.ones(1)
    opt.step()
    assert p.value[0] == -1.0, p.value


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1", None])
def test_a_bad_learning_rate_is_refused_and_shown(lr):
    with pytest.raises(ValueError, match=r"learning rate.*> 0, got " + repr(lr)[:3]):
        optim.SGD([Tensor(np.zeros(1))], lr=lr)


@pytest.mark.parametrize("opt_class", [optim.SGD, optim.Adagrad, optim.Adam])
def test_no_parameters_is_refused_with_a_hint(opt_class):
    with pytest.raises(ValueError, match=r"no parameters.*super\(\)\.__init__\(\)"):
        opt_class([], lr=0.1)


def test_passing_the_model_instead_of_its_parameters_is_explained():
    with pytest.raises(TypeError, match=r"model\.parameters\(\)"):
        optim.SGD(nn.Linear(2, 2, rng=np.random.default_rng(0)), lr=0.1)


def test_passing_a_single_tensor_is_explained():
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        optim.Adam(Tensor(np.zeros(2)), lr=0.1)


def test_a_non_tensor_parameter_is_named():
    with pytest.raises(TypeError, match="got a ndarray"):
        optim.SGD([np.zeros(2)], lr=0.1)


def test_an_integer_parameter_is_refused_with_a_fix():
    with pytest.raises(TypeError, match=r"dtype int64.*floating-point.*astype"):
        optim.SGD([Tensor(np.array([1, 2]))], lr=0.1)
