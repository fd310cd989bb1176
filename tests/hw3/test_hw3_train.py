"""train(): settings checks, the loss record, the learning-rate schedule, divergence."""

from __future__ import annotations

import platform
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hw3.errors import TrainingDiverged, UsageError
from hw3.evaluate import neighbour_purity, read_classes
from hw3.train import TrainConfig, cap_frequent_rows, train

REPO = Path(__file__).resolve().parents[2]


def tiny_config(corpus, **changes):
    base = TrainConfig(corpus=str(corpus), epochs=2, dim=10, batch_size=256, subsample=0,
                       log_every=5)
    return replace(base, **changes)


@pytest.mark.parametrize("setting", ["epochs", "dim", "window", "negatives", "batch_size",
                                     "min_count", "log_every"])
@pytest.mark.parametrize("value", [0, -3])
def test_non_positive_settings_are_refused(setting, value, tiny_corpus):
    flag = "--" + setting.replace("_", "-")
    with pytest.raises(UsageError, match=f"{flag} must be a positive whole number"):
        tiny_config(tiny_corpus, **{setting: value}).validate()


@pytest.mark.parametrize("lr", [0.0, -0.01, float("nan"), float("inf")])
def test_a_learning_rate_that_is_not_positive_and_finite_is_refused(lr, tiny_corpus):
    with pytest.raises(UsageError, match="--lr must be a positive number"):
        tiny_config(tiny_corpus, lr=lr).validate()


def test_losses_are_logged_a_fixed_number_of_steps_apart_and_fall(tiny_corpus, solution_ops):
    r = train(tiny_config(tiny_corpus), solution_ops)
    assert np.all(np.diff(r.loss_steps[:-1]) == 5), r.loss_steps
    assert len(r.losses) == -(-r.steps // 5), (len(r.losses), r.steps)
    assert r.loss_steps[-1] == r.steps, (r.loss_steps, r.steps)  # the last, shorter block too
    assert r.losses[-1] < r.losses[0] - 0.5, r.losses


def test_the_first_loss_is_near_the_loss_of_untrained_vectors(tiny_corpus, solution_ops):
    # context vectors start at 0: each of the 1 + K targets costs log 2 per pair
    r = train(tiny_config(tiny_corpus, log_every=1, negatives=5), solution_ops)
    assert abs(r.losses[0] - 6 * np.log(2)) < 1e-3, r.losses[0]


def test_the_learning_rate_decays_linearly_towards_zero(tiny_corpus, solution_ops):
    r = train(tiny_config(tiny_corpus, lr=0.02), solution_ops)
    assert np.all(np.diff(r.loss_lrs) < 0), r.loss_lrs
    line = np.polyval(np.polyfit(r.loss_steps, r.loss_lrs, 1), r.loss_steps)
    assert np.max(np.abs(line - r.loss_lrs)) < 0.01 * 0.02, r.loss_lrs  # a straight line
    assert r.loss_lrs[-1] < 0.1 * 0.02, r.loss_lrs[-1]


def test_result_holds_one_vector_per_vocabulary_word(tiny_corpus, solution_ops):
    r = train(tiny_config(tiny_corpus, dim=7), solution_ops)
    assert r.embeddings.shape == (len(r.words), 7), r.embeddings.shape
    assert r.embeddings.dtype == np.float32, r.embeddings.dtype
    assert len(r.counts) == len(r.words) and np.all(np.diff(r.counts) <= 0), r.counts
    assert r.pairs_trained > 0 and r.pairs_per_second > 0 and r.seconds > 0


def test_same_seed_same_vectors_other_seed_other_vectors(tiny_corpus, solution_ops):
    a = train(tiny_config(tiny_corpus, seed=1), solution_ops)
    b = train(tiny_config(tiny_corpus, seed=1), solution_ops)
    c = train(tiny_config(tiny_corpus, seed=2), solution_ops)
    assert np.array_equal(a.embeddings, b.embeddings) and np.array_equal(a.losses, b.losses)
    assert not np.array_equal(a.embeddings, c.embeddings)


def test_a_corpus_without_two_words_on_a_line_is_refused(tmp_path, solution_ops):
    corpus = tmp_path / "c.txt"
    corpus.write_text("word\n" * 10 + "other\n" * 10)
    with pytest.raises(UsageError, match="gives no training pairs"):
        train(tiny_config(corpus, min_count=1), solution_ops)


def test_a_corpus_shorter_than_the_window_is_refused(tmp_path, solution_ops):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    with pytest.raises(UsageError, match="too short"):
        train(tiny_config(corpus, min_count=1, window=5), solution_ops)


def test_a_huge_learning_rate_stops_with_training_diverged(tiny_corpus, solution_ops):
    with pytest.raises(TrainingDiverged, match="lower --lr or --batch-size|Lower --lr"):
        train(tiny_config(tiny_corpus, lr=1e4, row_cap=0), solution_ops)


@pytest.mark.slow
def test_reference_reaches_purity_09_on_the_toy_corpus_with_the_defaults(solution_ops):
    corpus = REPO / "data" / "toy" / "corpus.txt"
    if not corpus.is_file():
        pytest.skip("the toy corpus is not there (data/toy/corpus.txt)")
    r = train(TrainConfig(corpus=str(corpus)), solution_ops)
    purity = neighbour_purity(r.embeddings, r.words, read_classes(corpus.parent / "classes.tsv"))
    assert purity >= 0.9, purity


def test_the_row_cap_keeps_a_big_batch_stable_where_plain_summed_sgd_diverges(tiny_corpus,
                                                                              solution_ops):
    big = tiny_config(tiny_corpus, batch_size=1024, lr=0.1)  # ~30 words: each used ~200x a batch
    with pytest.raises(TrainingDiverged):
        train(replace(big, row_cap=0), solution_ops)
    r = train(replace(big, row_cap=2), solution_ops)
    assert r.losses[-1] < r.losses[0] - 1.0, r.losses


def test_cap_frequent_rows_scales_only_rows_used_more_than_the_limit():
    grad = np.ones((4, 3), dtype=np.float32)
    cap_frequent_rows(grad, np.array([[0, 0, 0, 0], [1, 1, 2, 0]]), max_uses=2.5)
    # row 0 is used 5 times (scaled by 2.5 / 5), row 1 twice and row 2 once (unchanged)
    assert np.array_equal(grad[:, 0], [0.5, 1.0, 1.0, 1.0]), grad


FAULTS = """
import resource
from hw3.ops_loader import load_ops
from hw3.train import TrainConfig, prepare, train
config = TrainConfig(max_steps=40)  # the toy corpus and the defaults: batches of 8192
prepared, ops = prepare(config), load_ops("solution")
train(TrainConfig(max_steps=2), ops, prepared=prepared)  # the first arrays are new anyway
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
train(config, ops, prepared=prepared)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="hw3/allocator.py: glibc only")
def test_training_steps_reuse_the_memory_the_last_step_freed():
    """Without hw3/allocator.py each step's ~10 MB arrays were fresh pages for the kernel
    to fault in (about 1,700 page faults a step here); a step now reuses the last one's."""
    out = subprocess.run([sys.executable, "-c", FAULTS], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    faults = int(out.stdout.split()[-1])
    assert faults < 40 * 100, f"{faults} page faults in 40 steps"
