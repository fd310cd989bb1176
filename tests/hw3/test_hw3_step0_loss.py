"""The loss at step 0, before any update, is what the handout says untrained vectors
give, (1 + K) log 2 per pair; losses.csv, the plot and the summary start with it."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pytest

from hw3 import word2vec
from hw3.train import TrainConfig, train
from tests.hw3.conftest import write_tiny_corpus


@pytest.mark.parametrize("negatives", [5, 2])
def test_the_loss_before_any_update_is_1_plus_k_times_log_2(tiny_corpus, solution_ops,
                                                            negatives):
    config = TrainConfig(corpus=str(tiny_corpus), epochs=1, dim=8, batch_size=64,
                         negatives=negatives, min_count=1)
    result = train(config, solution_ops)
    assert result.initial_loss == pytest.approx((1 + negatives) * math.log(2), rel=1e-6)


def test_the_logged_block_losses_are_unchanged_by_the_step_0_point(tiny_corpus, solution_ops):
    """The grader compares ``losses`` with its reference curves: step 0 is kept apart."""
    config = TrainConfig(corpus=str(tiny_corpus), epochs=1, dim=8, batch_size=64,
                         min_count=1, log_every=5)
    result = train(config, solution_ops)
    assert list(result.loss_steps)[0] == 5


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One small `make train`-like run: its output folder and what it printed."""
    base = tmp_path_factory.mktemp("step0")
    corpus = write_tiny_corpus(base / "tiny")
    out = base / "out"
    said = io.StringIO()
    with contextlib.redirect_stderr(said):
        status = word2vec.main(["--ops", "solution", "--corpus", str(corpus), "--epochs", "1",
                                "--dim", "8", "--batch-size", "64", "--min-count", "1",
                                "--log-every", "5", "--out", str(out)])
    assert status == 0, said.getvalue()
    return out, said.getvalue()


def test_losses_csv_starts_at_step_0_with_the_untrained_loss(run):
    out, _ = run
    rows = (out / "losses.csv").read_text().splitlines()
    assert rows[0] == "step,epoch,lr,loss"
    step, epoch, _, loss = rows[1].split(",")
    assert (step, epoch) == ("0", "1") and float(loss) == pytest.approx(6 * math.log(2),
                                                                        rel=1e-6)
    assert rows[2].split(",")[0] == "5", rows[:3]


def test_metrics_hold_the_initial_loss(run):
    out, _ = run
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["initial_loss"] == pytest.approx(6 * math.log(2), rel=1e-6)


def test_the_summary_prints_the_step_0_loss(run):
    _, said = run
    assert f"Loss per pair: {6 * math.log(2):.3f} at step 0 (before any update) -> " in said, said


def test_the_plot_starts_at_step_0(tiny_corpus, solution_ops):
    config = TrainConfig(corpus=str(tiny_corpus), epochs=1, dim=8, batch_size=64,
                         min_count=1, log_every=5)
    steps, _, _, losses = word2vec.loss_curve(train(config, solution_ops))
    assert steps[0] == 0 and losses[0] == pytest.approx(6 * math.log(2), rel=1e-6)
    assert len(steps) == len(losses) >= 3
