"""Subsampling, dynamic-window pairs, unigram^0.75 negatives."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hw3.sampling import NegativeSampler, epoch_pairs, keep_probabilities, make_pairs, subsample
from hw3.vocab import EncodedCorpus


def test_keep_probability_follows_the_word2vec_formula():
    f = np.array([0.08, 1e-3, 1e-5])
    p = keep_probabilities(f, 1e-3)
    expected = [np.sqrt(1e-3 / 0.08) + 1e-3 / 0.08, 1.0, 1.0]
    np.testing.assert_allclose(p, expected, err_msg=f"got {p}")


def test_subsampling_threshold_zero_keeps_everything():
    assert np.all(keep_probabilities(np.array([0.5, 0.3, 0.2]), 0) == 1)


def test_subsampling_keeps_each_word_at_its_probability():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 3, size=60_000)
    keep = np.array([0.1, 0.5, 1.0])
    out = subsample(EncodedCorpus(ids, np.zeros_like(ids)), keep, rng)
    for w in range(3):
        n = np.sum(ids == w)
        rate = np.sum(out.ids == w) / n
        sd = np.sqrt(keep[w] * (1 - keep[w]) / n)
        assert abs(rate - keep[w]) <= 5 * sd + 1e-12, (w, rate, keep[w])


def test_negatives_follow_unigram_to_the_three_quarters():
    counts = np.array([1000, 100, 10, 1])
    sampler = NegativeSampler(counts)
    expected = counts ** 0.75 / np.sum(counts ** 0.75)
    np.testing.assert_allclose(sampler.probabilities, expected)
    draws = sampler.draw(np.random.default_rng(0), (200_000,))
    freq = np.bincount(draws, minlength=4) / draws.size
    sd = np.sqrt(expected * (1 - expected) / draws.size)
    assert np.all(np.abs(freq - expected) <= 5 * sd), (freq, expected)


def test_negatives_never_draw_a_zero_count_word():
    sampler = NegativeSampler(np.array([5, 0, 3, 0]))
    draws = sampler.draw(np.random.default_rng(0), (10_000,))
    assert set(np.unique(draws)) == {0, 2}, np.unique(draws)


lines_strategy = st.lists(st.integers(1, 12), min_size=1, max_size=6)


@given(lengths=lines_strategy, window=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_every_pair_lies_within_the_window_on_one_line(lengths, window, seed):
    positions = np.arange(sum(lengths))
    corpus = EncodedCorpus(positions, np.repeat(np.arange(len(lengths)), lengths))
    centres, contexts = make_pairs(corpus, window, np.random.default_rng(seed))
    distance = np.abs(centres - contexts)
    assert np.all((distance >= 1) & (distance <= window)), distance
    same_line = corpus.line_ids[centres] == corpus.line_ids[contexts]
    assert np.all(same_line), (centres[~same_line], contexts[~same_line])
    # distance 1 is inside every dynamic window: all neighbours on a line are paired
    expected = sum(2 * (n - 1) for n in lengths)
    assert np.sum(distance == 1) == expected, (np.sum(distance == 1), expected)


def test_pair_distances_follow_the_dynamic_window():
    window, n = 5, 100_000
    corpus = EncodedCorpus(np.arange(n), np.zeros(n, dtype=np.int64))
    centres, contexts = make_pairs(corpus, window, np.random.default_rng(0))
    share = np.bincount(np.abs(centres - contexts), minlength=window + 1)[1:] / (2 * n)
    expected = (window - np.arange(1, window + 1) + 1) / window  # P(b >= o), b ~ U{1..W}
    np.testing.assert_allclose(share, expected, atol=0.01, err_msg=f"shares {share}")


def test_same_seed_gives_the_same_epoch_and_another_seed_does_not():
    ids = np.random.default_rng(0).integers(0, 20, size=500)
    corpus = EncodedCorpus(ids, np.arange(500) // 10)
    keep = np.full(20, 0.8)
    a = epoch_pairs(corpus, keep, 3, np.random.default_rng(7))
    b = epoch_pairs(corpus, keep, 3, np.random.default_rng(7))
    c = epoch_pairs(corpus, keep, 3, np.random.default_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not (len(a[0]) == len(c[0]) and np.array_equal(a[0], c[0]))
