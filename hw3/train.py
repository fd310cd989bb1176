"""Training SGNS: ``TrainConfig`` -> ``train(config, ops)`` -> ``TrainResult``.

The loop is the one from the lectures, once per mini-batch of (centre, context)
pairs (``train_step``; ``train`` runs it over the shuffled pairs of every epoch):

    negatives = draw K words per pair from unigram^0.75
    optimizer.zero_grad()
    loss = model(centres, targets, signs)     # summed over the batch
    loss.backward()
    cap_frequent_rows(...)                    # see below: keeps big batches stable
    optimizer.step()                          # SGD, lr decaying linearly to ~0

The loss is *summed* over the pairs of a batch, so ``lr`` is a per-pair step size
as in the original word2vec whatever the batch size.  ``TrainResult.losses``
reports the *mean* loss per pair.

Why ``cap_frequent_rows``: word2vec updates the vectors after every pair, so a word
used 500 times takes 500 small steps, each starting where the last one ended.  A
batch adds those 500 gradients up, all computed at the same starting point, and
takes them as one step, which overshoots once lr x 500 is large: measured with
the reference ops, batch 2048 at lr 0.1 diverged on the enwiki corpus, and batch
4096 at lr 0.025 on the toy corpus (281 words: every word is used ~90 times per
batch).  So a word used more than ``row_cap / lr`` times in a batch has its summed
gradient scaled down to that many uses.  Rarer words (most of the vocabulary) are
untouched.  With it, batch 8192 at lr 0.1 trains the toy corpus to neighbour
purity 0.999 and enwiki to WordSim353 0.52 (0.27 at lr 0.025 without it).

Throughput, defined once: ``pairs_per_second`` = positive (centre, context) pairs
trained / wall-clock seconds of the training loop (pair generation, negative
sampling, forward, backward, update; reading the corpus is not counted).

``workers`` > 1 hands the run to ``hw3/parallel.py`` (several workers sharing the
tables); the default, 1, is this loop, byte-identical for a seed.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from edugrad import optim
from hw3.allocator import keep_freed_memory
from hw3.corpus import read_corpus
from hw3.errors import TrainingDiverged, UsageError
from hw3.model import SGNS, target_signs
from hw3.sampling import NegativeSampler, epoch_pairs, keep_probabilities
from hw3.vocab import build_vocab, encode

DTYPES = ("float32", "float64")


@dataclass
class TrainConfig:
    """Every setting of a training run (the defaults are the CLI's defaults)."""

    corpus: str = "data/toy/corpus.txt"
    epochs: int = 5
    dim: int = 50
    window: int = 5
    negatives: int = 5
    # Measured (reference ops, enwiki, 2 cores; bench/results.md): batch 8192 trains
    # 1.2-1.3x the pairs/s of 2048 with the same WordSim353 (larger batches fall out of
    # the cache), and lr 0.1 beats word2vec's usual 0.025 on these small corpora
    # (WordSim353 0.52 vs 0.27); both need row_cap.
    batch_size: int = 8192
    lr: float = 0.1
    min_count: int = 5
    seed: int = 0
    subsample: float = 1e-3
    dtype: str = "float32"
    log_every: int = 50          # record the loss every this many steps
    min_lr_fraction: float = 1e-4  # the lr decays linearly to lr * this
    row_cap: float = 2.0  # a word's update is capped at row_cap / lr uses per batch (0: off)
    # 1 trains in this process, reproducibly; more share the tables without locks
    # (Hogwild, hw3/parallel.py): faster on several cores, not bit-reproducible.
    workers: int = 1
    max_steps: int = 0  # stop after this many steps (0: train every epoch to the end)

    def to_dict(self) -> dict:
        return asdict(self)

    def validate(self) -> None:
        """Raise ``UsageError`` naming every setting that is out of range."""
        problems = []
        for name in ("epochs", "dim", "window", "negatives", "batch_size", "min_count",
                     "log_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                problems.append(f"--{name.replace('_', '-')} must be a positive whole number "
                                f"(got {value!r})")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            problems.append(f"--lr must be a positive number (got {self.lr!r})")
        if not (isinstance(self.subsample, (int, float)) and 0 <= self.subsample < 1):
            problems.append(f"--subsample must be 0 (off) or a small positive threshold such "
                            f"as 1e-3 (got {self.subsample!r})")
        if not (isinstance(self.row_cap, (int, float)) and math.isfinite(self.row_cap)
                and self.row_cap >= 0):
            problems.append(f"--row-cap must be 0 (off) or a positive number such as 2 "
                            f"(got {self.row_cap!r})")
        if self.dtype not in DTYPES:
            problems.append(f"dtype must be one of {', '.join(DTYPES)} (got {self.dtype!r})")
        if not (0 < self.min_lr_fraction <= 1):
            problems.append(f"min_lr_fraction must be in (0, 1] (got {self.min_lr_fraction!r})")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) \
                or self.seed < 0:
            problems.append(f"--seed must be a whole number >= 0 (got {self.seed!r})")
        if isinstance(self.max_steps, bool) or not isinstance(self.max_steps, (int, np.integer)) \
                or self.max_steps < 0:
            problems.append(f"max_steps must be 0 (train every epoch) or a positive whole "
                            f"number (got {self.max_steps!r})")
        elif self.max_steps and self.workers != 1:
            problems.append("max_steps works with one worker only")
        if isinstance(self.workers, bool) or not isinstance(self.workers, (int, np.integer)) \
                or self.workers < 1:
            problems.append(f"--workers must be a whole number >= 1 (got {self.workers!r}): "
                            "1 trains in this process, reproducibly; 2 or more train in "
                            "parallel, one per core (this machine has "
                            f"{os.cpu_count() or 1})")
        if problems:
            raise UsageError("Invalid settings: " + "; ".join(problems) + ".")


@dataclass
class TrainResult:
    words: list[str]            # id -> word
    counts: np.ndarray          # id -> corpus count
    embeddings: np.ndarray      # (V, d) centre vectors: the word vectors
    context_embeddings: np.ndarray  # (V, d) context vectors
    losses: np.ndarray          # mean loss per pair over each block of log_every steps
    loss_steps: np.ndarray      # the step at the end of each block
    loss_lrs: np.ndarray        # the learning rate at that step
    loss_epochs: np.ndarray     # the epoch (1-based) of that step
    pairs_trained: int
    steps: int
    tokens: int                 # corpus tokens (all words, before min_count)
    pairs_per_second: float
    seconds: float
    config: TrainConfig = field(repr=False, default=None)
    # The mean loss per pair of the first batch, before any update (step 0): with the
    # context vectors starting at zero it is (1 + K) log 2, e.g. 6 log 2 = 4.159 for K = 5.
    initial_loss: float = math.nan


def prepare(config: TrainConfig):
    """Read and encode the corpus; ``UsageError`` if it cannot give training pairs."""
    config.validate()
    corpus = read_corpus(config.corpus)
    vocab = build_vocab(corpus.tokens, config.min_count)
    encoded = encode(corpus, vocab)
    if len(encoded) <= config.window:
        raise UsageError(
            f"The corpus {config.corpus} is too short: {len(encoded)} in-vocabulary "
            f"tokens (of {len(corpus)}, with --min-count {config.min_count}) is not more "
            f"than the window ({config.window}). Use a longer corpus, a smaller --window "
            "or a lower --min-count."
        )
    if not np.any(encoded.line_ids[1:] == encoded.line_ids[:-1]):
        raise UsageError(
            f"The corpus {config.corpus} gives no training pairs: no line has two "
            "in-vocabulary words. Put whole sentences on each line, or lower --min-count."
        )
    return corpus, vocab, encoded


def train(config: TrainConfig, ops, progress: bool = False, prepared=None) -> TrainResult:
    """Train SGNS on ``config.corpus`` with the four ops in ``ops``.

    Raises ``UsageError`` for bad settings or corpora and ``TrainingDiverged`` when
    the loss stops being finite.  ``progress`` shows a tqdm bar on stderr.
    ``prepared`` is ``prepare(config)``'s result, if you already have it.
    """
    corpus, vocab, encoded = prepared if prepared is not None else prepare(config)
    keep_freed_memory()  # each step's arrays reuse the last step's memory (hw3/allocator.py)
    if config.workers > 1:
        from hw3.parallel import train_parallel

        return train_parallel(config, ops, progress, (corpus, vocab, encoded))
    rng = np.random.default_rng(config.seed)
    dtype = np.dtype(config.dtype)
    model = SGNS(len(vocab), config.dim, ops, rng=rng, dtype=dtype)
    optimizer = optim.SGD(model.parameters(), lr=config.lr)
    keep_prob = keep_probabilities(vocab.frequencies, config.subsample)
    sampler = NegativeSampler(vocab.counts)
    B = config.batch_size
    signs = target_signs(B, config.negatives, dtype)

    start = time.perf_counter()
    centres, contexts = epoch_pairs(encoded, keep_prob, config.window, rng)
    total_estimate = max(1, len(centres) * config.epochs)  # for the lr schedule
    losses, loss_steps, loss_lrs, loss_epochs = [], [], [], []
    block_loss, block_pairs = 0.0, 0
    step, pairs_done = 0, 0
    initial_loss = math.nan
    with contextlib.ExitStack() as stack:
        # A non-finite loss is reported below (TrainingDiverged), a bad backward by
        # edugrad (BackwardError): numpy's overflow/divide warnings would only add noise.
        stack.enter_context(np.errstate(over="ignore", divide="ignore", invalid="ignore",
                                        under="ignore"))
        bar = None
        if progress:
            from tqdm.auto import tqdm

            # In a log file (condor) rather than a terminal: one line every 30 s.
            interval = 0.5 if sys.stderr.isatty() else 30
            bar = stack.enter_context(tqdm(total=total_estimate, unit="pair", unit_scale=True,
                                           dynamic_ncols=True, desc="training",
                                           mininterval=interval, file=sys.stderr))
        for epoch in range(1, config.epochs + 1):
            if epoch > 1:
                centres, contexts = epoch_pairs(encoded, keep_prob, config.window, rng)
            if step == config.max_steps > 0:
                break
            for s in range(0, len(centres), B):
                c = centres[s:s + B]
                n = len(c)
                lr = config.lr * max(config.min_lr_fraction, 1 - pairs_done / total_estimate)
                value = train_step(model, optimizer, sampler, rng, c, contexts[s:s + B],
                                   signs, lr, config)
                step += 1
                if not math.isfinite(value):
                    raise diverged(value, step, epoch, lr, B)
                if step == 1:  # the loss of the first batch, before any update
                    initial_loss = value / n

                pairs_done += n
                block_loss += value
                block_pairs += n
                last_step = (s + B >= len(centres) and epoch == config.epochs) \
                    or step == config.max_steps
                if step % config.log_every == 0 or last_step:  # the last block may be short
                    losses.append(block_loss / block_pairs)
                    loss_steps.append(step)
                    loss_lrs.append(lr)
                    loss_epochs.append(epoch)
                    block_loss, block_pairs = 0.0, 0
                    if bar is not None:
                        bar.set_postfix(loss=f"{losses[-1]:.4f}", epoch=epoch, refresh=False)
                if bar is not None:
                    bar.update(n)
                if step == config.max_steps:
                    break
    seconds = time.perf_counter() - start

    return TrainResult(
        words=list(vocab.words),
        counts=vocab.counts.copy(),
        embeddings=model.centre.weight.value.copy(),
        context_embeddings=model.context.weight.value.copy(),
        losses=np.array(losses, dtype=np.float64),
        loss_steps=np.array(loss_steps, dtype=np.int64),
        loss_lrs=np.array(loss_lrs, dtype=np.float64),
        loss_epochs=np.array(loss_epochs, dtype=np.int64),
        pairs_trained=pairs_done,
        steps=step,
        tokens=len(corpus),
        pairs_per_second=pairs_done / seconds if seconds > 0 else math.inf,
        seconds=seconds,
        config=config,
        initial_loss=initial_loss,
    )


def train_step(model: SGNS, optimizer: optim.SGD, sampler: NegativeSampler,
               rng: np.random.Generator, centres: np.ndarray, contexts: np.ndarray,
               signs: np.ndarray, lr: float, config: TrainConfig) -> float:
    """One SGD step on a mini-batch of (centre, context) pairs; returns the summed loss.

    The loop from the lectures: draw the negatives, zero the gradients, forward,
    backward, cap the frequent rows, step.  A loss that is not finite is returned
    before anything is updated (the caller reports it).
    """
    n, K = len(centres), config.negatives
    targets = np.empty((n, 1 + K), dtype=np.int64)
    targets[:, 0] = contexts
    targets[:, 1:] = sampler.draw(rng, (n, K))
    optimizer.lr = lr

    optimizer.zero_grad()
    loss = model(centres, targets, signs[:n])
    value = float(loss.value)
    if not math.isfinite(value):
        return value
    loss.backward()
    if config.row_cap:
        max_uses = config.row_cap / config.lr
        cap_frequent_rows(model.centre.weight.grad, centres, max_uses)
        cap_frequent_rows(model.context.weight.grad, targets, max_uses)
    optimizer.step()
    return value


def diverged(value: float, step: int, epoch: int, lr: float, batch_size: int,
             where: str = "") -> TrainingDiverged:
    """The error for a loss that stopped being finite (``where``: e.g. " of worker 2")."""
    return TrainingDiverged(
        f"training diverged: the loss became {value} at step {step}{where} (epoch {epoch}, "
        f"lr {lr:.4g}, batch size {batch_size}). If `make test` passes, these settings are "
        "too aggressive for this corpus: lower --lr or --batch-size (and keep --subsample "
        "and --row-cap on, e.g. 1e-3 and 2). If it does not, fix the ops it reports first."
    )


def cap_frequent_rows(grad: np.ndarray, indices: np.ndarray, max_uses: float) -> None:
    """Scale row r of ``grad`` (in place) by min(1, max_uses / n_r), where n_r is the
    number of times r occurs in ``indices``: a row's summed gradient then counts at
    most ``max_uses`` uses (see the module docstring for why)."""
    counts = np.bincount(indices.reshape(-1), minlength=len(grad))
    over = counts > max_uses
    if over.any():
        grad[over] *= (max_uses / counts[over]).astype(grad.dtype)[:, None]
