"""Nearest neighbours, neighbour purity, similarity files and Spearman's rho."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw3.errors import UsageError
from hw3.evaluate import (
    nearest_neighbours,
    neighbour_purity,
    probe_words,
    read_classes,
    read_similarity,
    spearman,
    spearman_similarity,
)

WORDS = ["cat", "dog", "cow", "apple", "pear", "plum", "the"]
CLASSES = {"cat": "animal", "dog": "animal", "cow": "animal", "apple": "fruit",
           "pear": "fruit", "plum": "fruit", "the": "function"}


def clustered(noise=0.01, seed=0):
    rng = np.random.default_rng(seed)
    centres = {"animal": [1, 0, 0], "fruit": [0, 1, 0], "function": [0, 0, 1]}
    return np.array([centres[CLASSES[w]] for w in WORDS]) + noise * rng.normal(size=(7, 3))


def test_neighbours_exclude_the_word_itself_and_come_best_first():
    emb = np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]])
    nn = nearest_neighbours(emb, ["a", "b", "c", "d"], ["a", "zzz"], k=3)
    assert list(nn) == ["a"], nn  # unknown probes are skipped
    assert [w for w, _ in nn["a"]] == ["b", "c", "d"], nn
    assert nn["a"][0][1] == pytest.approx(0.9 / np.hypot(0.9, 0.1))


def test_purity_is_one_when_every_class_forms_its_own_cluster():
    assert neighbour_purity(clustered(), WORDS, CLASSES, k=10) == 1.0


def test_purity_counts_the_share_of_classmates_among_the_neighbours():
    emb = clustered()
    emb[WORDS.index("plum")] = [1, 0, 0]  # plum sits among the animals
    # every animal has k = 2 neighbours: plum takes one slot of each -> 1/2;
    # apple and pear keep each other (1/2); plum has animals only (0)
    assert neighbour_purity(emb, WORDS, CLASSES, k=10) == pytest.approx(
        (3 * 0.5 + 2 * 0.5 + 0) / 6)


def test_purity_does_not_score_function_words():
    emb = clustered()
    emb[WORDS.index("the")] = [1, 1, 0]  # "the" is anywhere: not scored
    assert neighbour_purity(emb, WORDS, {**CLASSES}, k=2) >= 0.99


def test_purity_is_nan_without_classed_words():
    assert math.isnan(neighbour_purity(clustered(), WORDS, {}, k=3))


@pytest.mark.filterwarnings("ignore:An input array is constant")
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=3, max_size=30))
def test_spearman_matches_scipy_also_with_ties(pairs):
    stats = pytest.importorskip("scipy.stats")
    x, y = np.array(pairs, dtype=float).T
    expected = stats.spearmanr(x, y).statistic
    got = spearman(x, y)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected), (got,
                                                                                         expected)


def test_similarity_with_known_words_only_reports_oov_rate():
    emb = clustered(noise=0)
    pairs = [("cat", "dog", 9.0), ("cat", "apple", 1.0), ("pear", "plum", 8.0),
             ("cat", "unicorn", 5.0)]
    rho, oov = spearman_similarity(emb, WORDS, pairs)
    assert oov == 0.25, oov
    # cosines 1, 0, 1 (ranks 2.5, 1, 2.5) against scores 9, 1, 8 (ranks 3, 1, 2)
    assert rho == pytest.approx(np.sqrt(3) / 2), rho


def test_read_similarity_accepts_gensim_wordsim353_and_simlex(tmp_path):
    ws = tmp_path / "wordsim353.tsv"
    ws.write_text("# The WordSimilarity-353 Test Collection\n# Word 1\tWord 2\tHuman (mean)\n"
                  "Love\tsex\t6.77\ntiger\tcat\t7.35\n")
    assert read_similarity(ws) == [("love", "sex", 6.77), ("tiger", "cat", 7.35)]


def test_read_similarity_accepts_the_original_simlex_file(tmp_path):
    sl = tmp_path / "SimLex-999.txt"
    sl.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\n")
    assert read_similarity(sl) == [("old", "new", 1.58)]


def test_read_similarity_accepts_comma_separated_wordsim353(tmp_path):
    ws = tmp_path / "combined.csv"
    ws.write_text("Word 1,Word 2,Human (mean)\nlove,sex,6.77\n")
    assert read_similarity(ws) == [("love", "sex", 6.77)]


def test_read_similarity_refuses_a_file_without_pairs(tmp_path):
    bad = tmp_path / "x.txt"
    bad.write_text("just some text\n")
    with pytest.raises(UsageError, match="holds no"):
        read_similarity(bad)


def test_read_classes_lowercases_words(tmp_path):
    p = tmp_path / "classes.tsv"
    p.write_text("Cat\tanimal\nthe\tfunction\n")
    assert read_classes(p) == {"cat": "animal", "the": "function"}


def test_probe_words_take_the_commonest_members_of_each_class():
    counts = [5, 9, 1, 4, 3, 8, 100]
    assert probe_words(WORDS, counts, CLASSES, per_class=2) == ["dog", "cat", "plum", "apple"]


def test_probe_words_without_classes_skip_stopwords():
    words = ["the", "of", "war", "1990", "a", "music", "x"]
    assert probe_words(words, [9, 8, 7, 6, 5, 4, 3], None) == ["war", "music"]
