"""BatchIterator and seeding: reproducible batches, and no use of numpy's global state."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import edugrad
from edugrad import Tensor, gradcheck, nn, ops, optim
from edugrad.data import BatchIterator


def epoch(iterator: BatchIterator, n: int = 10):
    inputs = np.arange(n)
    targets = 10 * np.arange(n)
    return [(b.inputs.value.copy(), b.targets.value.copy()) for b in iterator(inputs, targets)]


def test_same_seed_gives_the_same_batches():
    a = epoch(BatchIterator(batch_size=3, rng=np.random.default_rng(5)))
    b = epoch(BatchIterator(batch_size=3, rng=np.random.default_rng(5)))
    assert [x.tolist() for x, _ in a] == [x.tolist() for x, _ in b]


def test_the_next_epoch_is_shuffled_differently():
    batches = BatchIterator(batch_size=20, rng=np.random.default_rng(0))
    first, second = epoch(batches, 20), epoch(batches, 20)
    assert first[0][0].tolist() != second[0][0].tolist(), first[0][0]


@given(n=st.integers(1, 50), batch_size=st.integers(1, 20), seed=st.integers(0, 2**32 - 1))
def test_an_epoch_covers_every_example_once_with_its_target(n, batch_size, seed):
    batches = epoch(BatchIterator(batch_size=batch_size, rng=np.random.default_rng(seed)), n)
    seen = np.concatenate([x for x, _ in batches])
    assert sorted(seen.tolist()) == list(range(n)), seen
    for x, y in batches:
        assert np.array_equal(y, 10 * x), (x, y)


@given(n=st.integers(1, 50), batch_size=st.integers(1, 20))
def test_batches_are_full_except_a_smaller_last_one(n, batch_size):
    iterator = BatchIterator(batch_size=batch_size, rng=np.random.default_rng(0))
    sizes = [len(x) for x, _ in epoch(iterator, n)]
    assert sizes[:-1] == [batch_size] * (len(sizes) - 1), sizes
    assert sizes[-1] == (n % batch_size or batch_size), sizes
    assert iterator.num_batches == len(sizes) == -(-n // batch_size), (iterator.num_batches, sizes)


def test_num_batches_is_known_before_iterating():
    iterator = BatchIterator(batch_size=4, rng=np.random.default_rng(0))
    iterator(np.zeros((10, 2)), np.zeros(10))
    assert iterator.num_batches == 3, iterator.num_batches


def test_without_shuffle_batches_keep_the_data_order():
    batches = epoch(BatchIterator(batch_size=4, shuffle=False), 10)
    assert [x.tolist() for x, _ in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_batches_are_tensors_and_accept_tensors():
    batch = next(BatchIterator(batch_size=2, rng=np.random.default_rng(0))(
        Tensor(np.ones((3, 2))), np.zeros(3)))
    assert isinstance(batch.inputs, Tensor) and batch.inputs.shape == (2, 2), batch.inputs


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "8", True])
def test_a_bad_batch_size_is_refused_and_shown(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got " +
                       repr(batch_size).replace(".", r"\.")):
        BatchIterator(batch_size=batch_size)


def test_inputs_and_targets_of_different_lengths_are_refused_at_the_call():
    with pytest.raises(ValueError, match=r"\(10, 2\) and \(9,\)"):
        BatchIterator(batch_size=2)(np.zeros((10, 2)), np.zeros(9))


# ------------------------------------------------------------------- seeding
def test_set_seed_makes_default_generator_draws_repeat():
    edugrad.set_seed(3)
    a = nn.Linear(4, 4).weight.value
    edugrad.set_seed(3)
    b = nn.Linear(4, 4).weight.value
    edugrad.set_seed(4)
    c = nn.Linear(4, 4).weight.value
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_set_seed_returns_the_default_generator_and_seeds_the_course_conventions():
    rng = edugrad.set_seed(11)
    assert isinstance(rng, np.random.Generator)
    first = (random.random(), np.random.rand())
    edugrad.set_seed(11)
    assert (random.random(), np.random.rand()) == first


def test_edugrad_never_draws_from_numpy_or_python_global_random_state():
    np.random.seed(123)
    random.seed(123)
    numpy_before, python_before = np.random.get_state(), random.getstate()

    model = nn.Linear(3, 2)  # default generator, no rng given
    emb = nn.Embedding(5, 3)
    opt = optim.Adam(model.parameters() + emb.parameters(), lr=0.01)
    for batch in BatchIterator(batch_size=2)(np.ones((5, 3)), np.ones((5, 2))):
        opt.zero_grad()
        loss = ops.mse_loss(model(batch.inputs), batch.targets)
        loss = ops.add(loss, ops.reduce_sum(emb(np.array([0, 1]))))
        loss.backward()
        opt.step()
    gradcheck(ops.matmul, np.ones((2, 2)), np.ones((2, 2)))

    numpy_after = np.random.get_state()
    assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:], "numpy's global random state was used"
    assert random.getstate() == python_before, "Python's random module was used"
