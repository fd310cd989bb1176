"""The SGNS loss and its gradients against hand computations in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad import gradcheck, ops
from hw3.model import SGNS, target_signs


def numpy_loss(w_in, w_out, centres, targets):
    """-log s(u_o.v_c) - sum_k log s(-u_k.v_c), summed over the batch, in plain numpy."""
    v = w_in[centres]
    total = 0.0
    for b in range(len(centres)):
        for t, word in enumerate(targets[b]):
            score = w_out[word] @ v[b]
            sign = 1.0 if t == 0 else -1.0
            total -= np.log(1 / (1 + np.exp(-sign * score)))
    return total


def numpy_gradients(w_in, w_out, centres, targets):
    """dL/dW_in and dL/dW_out derived by hand: d/dx -log s(x) = -(1 - s(x)) = s(x) - 1."""
    signs = target_signs(len(centres), targets.shape[1] - 1, np.float64)
    v = w_in[centres]                              # (B, d)
    u = w_out[targets]                             # (B, T, d)
    scores = np.einsum("btd,bd->bt", u, v)
    d_scores = signs * (1 / (1 + np.exp(-signs * scores)) - 1)   # dL/d(u.v)
    g_in, g_out = np.zeros_like(w_in), np.zeros_like(w_out)
    np.add.at(g_in, centres, np.einsum("bt,btd->bd", d_scores, u))
    np.add.at(g_out, targets, d_scores[:, :, None] * v[:, None, :])
    return g_in, g_out


def small_model(solution_ops, seed=0, vocab=6, dim=4):
    rng = np.random.default_rng(seed)
    model = SGNS(vocab, dim, solution_ops, rng=rng, dtype=np.float64)
    # non-zero context vectors, so every term of the gradient is exercised
    model.context.weight.value[...] = rng.normal(scale=0.5, size=(vocab, dim))
    model.centre.weight.value[...] = rng.normal(scale=0.5, size=(vocab, dim))
    centres = np.array([0, 2, 2, 5])                     # a repeated centre
    targets = np.array([[1, 3, 0], [4, 1, 1], [0, 5, 2], [1, 2, 3]])  # repeated targets
    return model, centres, targets


def test_signs_mark_the_true_context_positive_and_negatives_negative():
    s = target_signs(2, 3)
    assert s.tolist() == [[1, -1, -1, -1], [1, -1, -1, -1]], s


def test_loss_matches_a_hand_computation(solution_ops):
    model, centres, targets = small_model(solution_ops)
    loss = model(centres, targets, target_signs(4, 2, np.float64))
    expected = numpy_loss(model.centre.weight.value, model.context.weight.value, centres, targets)
    assert loss.value.shape == (), loss.value.shape
    assert np.isclose(loss.item(), expected, rtol=1e-12), (loss.item(), expected)


def test_loss_at_word2vec_initialisation_is_log2_per_target(solution_ops):
    # context vectors start at zero: every score is 0, sigma(0) = 1/2
    model = SGNS(10, 8, solution_ops, rng=np.random.default_rng(0), dtype=np.float64)
    loss = model(np.array([1, 2]), np.array([[3, 4, 5], [6, 7, 8]]), target_signs(2, 2, np.float64))
    assert np.isclose(loss.item(), 6 * np.log(2)), loss.item()


def test_gradients_match_the_hand_derived_gradient(solution_ops):
    model, centres, targets = small_model(solution_ops)
    w_in, w_out = model.centre.weight.value.copy(), model.context.weight.value.copy()
    model(centres, targets, target_signs(4, 2, np.float64)).backward()
    g_in, g_out = numpy_gradients(w_in, w_out, centres, targets)
    np.testing.assert_allclose(model.centre.weight.grad, g_in, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.context.weight.grad, g_out, rtol=1e-10, atol=1e-12)


def test_gradients_match_finite_differences_of_the_loss(solution_ops):
    model, centres, targets = small_model(solution_ops, seed=3)
    model(centres, targets, target_signs(4, 2, np.float64)).backward()
    w_in, w_out = model.centre.weight.value, model.context.weight.value
    for table, grad in ((w_in, model.centre.weight.grad), (w_out, model.context.weight.grad)):
        numeric = np.zeros_like(table)
        for j in np.ndindex(table.shape):
            old = table[j]
            table[j] = old + 1e-6
            plus = numpy_loss(w_in, w_out, centres, targets)
            table[j] = old - 1e-6
            minus = numpy_loss(w_in, w_out, centres, targets)
            table[j] = old
            numeric[j] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


def test_float32_model_trains_in_float32(solution_ops):
    model = SGNS(10, 8, solution_ops, rng=np.random.default_rng(0), dtype=np.float32)
    loss = model(np.array([1, 2]), np.array([[3, 4], [6, 7]]), target_signs(2, 1))
    loss.backward()
    assert model.centre.weight.grad.dtype == np.float32, model.centre.weight.grad.dtype
    assert model.context.weight.grad.dtype == np.float32, model.context.weight.grad.dtype


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_expand_backward_sums_over_the_new_axis(axis):
    a = np.random.default_rng(0).normal(size=(3, 4))
    report = gradcheck(ops.expand, a, axis=axis, num=3)
    assert report, str(report)
