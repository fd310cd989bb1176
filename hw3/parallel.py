"""Training with several workers that share the two embedding tables (Hogwild).

``train(config, ops)`` comes here when ``config.workers`` = N > 1.  The corpus is cut
into N parts of (nearly) equal length and worker w trains on part w: every epoch it
makes that part's pairs (fresh subsample, windows, shuffle) and runs the same
``train_step`` as a single-worker run, with its own random generator, its own model
objects and its own gradients -- but on the *same* two embedding arrays.  Each step
writes its update straight into the shared tables, without locks, while the other
workers read and write them too.  This is Hogwild (Recht et al., 2011), as in
word2vec's C code and gensim: workers seldom touch the same row at the same moment,
and when they do, one update may land on a slightly stale row or be partly lost,
which SGD shrugs off.

Workers are forked processes or threads (``BACKENDS``).  Processes each have their
own interpreter and see the tables through shared memory; threads share the tables
for free and run in parallel while numpy works (it releases the GIL inside its
array loops), but take turns for edugrad's Python bookkeeping.  With two free cores
processes were the faster (bench/results.md), so they are the default where fork is
safe (Linux); elsewhere (macOS, Windows) threads.

Randomness: the tables start exactly as in a single-worker run (the seed's
generator); worker w draws from its own generator, spawned from the seed with
``numpy.random.SeedSequence``.  The result still depends on timing (whose update
lands first), so runs with N > 1 are not bit-reproducible.  Each worker's learning
rate decays with its own progress through its part; losses are logged per worker
and merged (see ``merge_losses``).
"""

from __future__ import annotations

import math
import mmap
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace

import numpy as np

from edugrad import optim
from hw3.errors import TrainingDiverged
from hw3.model import SGNS, target_signs
from hw3.sampling import NegativeSampler, epoch_pairs, keep_probabilities
from hw3.vocab import EncodedCorpus

BACKENDS = ("process", "thread")
DEFAULT_BACKEND = "process" if sys.platform.startswith("linux") else "thread"
POLL_SECONDS = 0.2  # how often the main thread looks at the workers' progress


def reuse_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed memory for reuse (True if it agreed).

    Every step makes the same big temporary arrays again.  By default glibc hands
    arrays of this size back to the kernel when numpy frees them; with several
    threads, each such unmapping stops the other cores to flush their address
    caches, and the next array starts on fresh pages that must be faulted in: with
    two workers this doubled the system time and added about a third to the CPU
    time per pair (bench/results.md).  Here arrays up to 64 MB come from a pool
    that keeps up to 1 GB of freed memory, so steps reuse the previous step's
    pages; the process stays at its high-water mark.  Numbers are unchanged.  Does
    nothing where ``mallopt`` does not exist (macOS, Windows, musl).
    """
    import ctypes
    import ctypes.util

    m_trim_threshold, m_mmap_threshold = -1, -3
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(m_mmap_threshold, 64 << 20)) and bool(mallopt(m_trim_threshold,
                                                                       1 << 30))


def split_corpus(encoded: EncodedCorpus, parts: int) -> list[EncodedCorpus]:
    """``parts`` consecutive pieces of nearly equal length (pairs across a cut are lost:
    at most a window's worth per cut)."""
    bounds = np.linspace(0, len(encoded), parts + 1).round().astype(int)
    return [EncodedCorpus(ids=encoded.ids[a:b], line_ids=encoded.line_ids[a:b])
            for a, b in zip(bounds[:-1], bounds[1:])]


def shared_zeros(shape, dtype, backend: str) -> np.ndarray:
    """A zeroed array that forked worker processes share with this one (``process``:
    an anonymous shared memory map, freed with the last reference), or a plain array."""
    dtype = np.dtype(dtype)
    if backend != "process":
        return np.zeros(shape, dtype=dtype)
    size = max(1, int(np.prod(shape)) * dtype.itemsize)
    return np.frombuffer(mmap.mmap(-1, size), dtype=dtype,
                         count=int(np.prod(shape))).reshape(shape)


@dataclass
class Shared:
    """What every worker reads and writes: the tables and the progress board."""

    centre: np.ndarray
    context: np.ndarray
    done: np.ndarray        # (N,) pairs trained by each worker (each writes only its own)
    total: np.ndarray       # (N,) pairs each worker expects to train (for the progress bar)
    stop: np.ndarray        # (1,) set to 1 to ask every worker to stop


@dataclass
class WorkerReport:
    pairs: int = 0
    steps: int = 0
    # (worker step, epoch, lr, summed loss, pairs) for each block of log_every steps
    blocks: list = field(default_factory=list)


class Stopped(Exception):
    """A worker stopped because another one failed (or the run was interrupted)."""


def run_worker(w: int, part: EncodedCorpus, rng: np.random.Generator, shared: Shared,
               config, ops, keep_prob: np.ndarray, sampler: NegativeSampler) -> WorkerReport:
    """Train on ``part`` for ``config.epochs`` epochs, stepping the shared tables; a
    failure asks the other workers to stop."""
    try:
        # As in train(): a non-finite loss is reported as TrainingDiverged and a bad
        # backward by edugrad; numpy's warnings would only add noise (and errstate is
        # per thread).
        with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
            return _train_part(w, part, rng, shared, config, ops, keep_prob, sampler)
    except Stopped:
        raise
    except BaseException:
        shared.stop[0] = 1
        raise


def _train_part(w, part, rng, shared, config, ops, keep_prob, sampler) -> WorkerReport:
    from hw3.train import diverged, train_step

    # N workers stepping at once act like one batch N times bigger: each gets 1/N of
    # the row cap, so a frequent word's combined update stays within the cap of a
    # single-worker run (with the full cap, two workers diverged on the toy corpus).
    config = replace(config, row_cap=config.row_cap / config.workers)

    # The model objects (and their gradients) are this worker's own; their tables are
    # the shared arrays, which SGD.step updates in place.
    model = SGNS(len(sampler.accept), config.dim, ops, rng=np.random.default_rng(0),
                 dtype=shared.centre.dtype)
    model.centre.weight.value = shared.centre
    model.context.weight.value = shared.context
    optimizer = optim.SGD(model.parameters(), lr=config.lr)
    B = config.batch_size
    signs = target_signs(B, config.negatives, shared.centre.dtype)
    report = WorkerReport()
    block_loss, block_pairs = 0.0, 0
    total = None
    for epoch in range(1, config.epochs + 1):
        centres, contexts = epoch_pairs(part, keep_prob, config.window, rng)
        if total is None:
            total = max(1, len(centres) * config.epochs)  # for the lr schedule
            shared.total[w] = total
        for s in range(0, len(centres), B):
            if shared.stop[0]:
                raise Stopped()
            c = centres[s:s + B]
            lr = config.lr * max(config.min_lr_fraction, 1 - report.pairs / total)
            value = train_step(model, optimizer, sampler, rng, c, contexts[s:s + B], signs,
                               lr, config)
            report.steps += 1
            if not math.isfinite(value):
                raise diverged(value, report.steps, epoch, lr, B, where=f" of worker {w + 1}")
            report.pairs += len(c)
            shared.done[w] = report.pairs
            block_loss += value
            block_pairs += len(c)
            last = s + B >= len(centres) and epoch == config.epochs
            if report.steps % config.log_every == 0 or last:
                report.blocks.append((report.steps, epoch, lr, block_loss, block_pairs))
                block_loss, block_pairs = 0.0, 0
    return report


def merge_losses(reports: list[WorkerReport]):
    """One row per block index: the pair-weighted mean loss over the workers that
    logged that block, the steps of all workers up to it, their mean lr, the epoch."""
    rows = []
    for i in range(max(len(r.blocks) for r in reports)):
        blocks = [r.blocks[i] for r in reports if i < len(r.blocks)]
        steps = sum(r.blocks[min(i, len(r.blocks) - 1)][0] for r in reports)
        rows.append((steps, min(b[1] for b in blocks), float(np.mean([b[2] for b in blocks])),
                     sum(b[3] for b in blocks) / max(1, sum(b[4] for b in blocks))))
    steps, epochs, lrs, losses = zip(*rows) if rows else ((), (), (), ())
    return (np.array(losses, dtype=np.float64), np.array(steps, dtype=np.int64),
            np.array(lrs, dtype=np.float64), np.array(epochs, dtype=np.int64))


# ---------------------------------------------------------------------- backends
class _ThreadWorkers:
    def __init__(self, jobs):
        self.results = [None] * len(jobs)
        self.threads = [threading.Thread(target=self._run, args=(i, job), daemon=True,
                                         name=f"hw3-worker-{i + 1}")
                        for i, job in enumerate(jobs)]
        for t in self.threads:
            t.start()

    def _run(self, i, job):
        try:
            self.results[i] = ("ok", job())
        except BaseException as err:  # handed to the main thread, re-raised there
            self.results[i] = ("error", err)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def finish(self):
        for t in self.threads:
            t.join()
        return self.results

    def kill(self):
        for t in self.threads:
            t.join()


class _ProcessWorkers:
    def __init__(self, jobs):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self.pipes, self.procs = [], []
        for i, job in enumerate(jobs):
            receive, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=self._run, args=(job, send), daemon=True,
                               name=f"hw3-worker-{i + 1}")
            proc.start()
            send.close()
            self.pipes.append(receive)
            self.procs.append(proc)
        self.results = [None] * len(jobs)

    @staticmethod
    def _run(job, send):
        parent = os.getppid()

        def leave_with_parent():  # a worker must not outlive a killed run
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=leave_with_parent, daemon=True).start()
        try:
            result = ("ok", job())
        except BaseException as err:
            # A traceback does not cross processes: send its text and its frames (the
            # command line names the line of the ops file that failed).
            result = ("error", err, traceback.format_exc(),
                      traceback.extract_tb(err.__traceback__))
        try:
            send.send(result)
        except Exception:  # the error itself would not pickle: send its text
            send.send(("error", RuntimeError(f"{type(result[1]).__name__}: {result[1]}"),
                       *result[2:]))
        send.close()

    def _collect(self, block: bool):
        for i, pipe in enumerate(self.pipes):
            if self.results[i] is None and (block or pipe.poll()):
                try:
                    self.results[i] = pipe.recv()
                except EOFError:
                    self.procs[i].join()
                    self.results[i] = ("error", RuntimeError(
                        f"worker {i + 1} died (exit status {self.procs[i].exitcode})"), "")

    def alive(self) -> bool:
        self._collect(block=False)  # a worker's pipe must be drained for it to exit
        return any(r is None for r in self.results)

    def finish(self):
        self._collect(block=True)
        for p in self.procs:
            p.join()
        return self.results

    def kill(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.join()


def train_parallel(config, ops, progress: bool, prepared, backend: str | None = None):
    """``train`` with ``config.workers`` workers sharing the tables; returns a TrainResult."""
    from hw3.train import TrainResult

    backend = backend or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    corpus, vocab, encoded = prepared
    n = config.workers
    dtype = np.dtype(config.dtype)
    # The tables start exactly as in a single-worker run with this seed.
    start_model = SGNS(len(vocab), config.dim, ops, rng=np.random.default_rng(config.seed),
                       dtype=dtype)
    shared = Shared(centre=shared_zeros((len(vocab), config.dim), dtype, backend),
                    context=shared_zeros((len(vocab), config.dim), dtype, backend),
                    done=shared_zeros((n,), np.int64, backend),
                    total=shared_zeros((n,), np.int64, backend),
                    stop=shared_zeros((1,), np.int64, backend))
    shared.centre[:] = start_model.centre.weight.value
    shared.context[:] = start_model.context.weight.value
    keep_prob = keep_probabilities(vocab.frequencies, config.subsample)
    sampler = NegativeSampler(vocab.counts)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(n)]
    parts = split_corpus(encoded, n)
    jobs = [(lambda w=w: run_worker(w, parts[w], rngs[w], shared, config, ops, keep_prob,
                                    sampler)) for w in range(n)]

    reuse_freed_memory()
    start = time.perf_counter()
    workers = (_ProcessWorkers if backend == "process" else _ThreadWorkers)(jobs)
    bar = None
    try:
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(unit="pair", unit_scale=True, dynamic_ncols=True,
                       desc=f"training ({n} {backend}s)", file=sys.stderr,
                       mininterval=0.5 if sys.stderr.isatty() else 30)
        shown = 0
        while workers.alive():
            time.sleep(POLL_SECONDS)
            if bar is not None:
                if bar.total is None and shared.total.all():
                    bar.total = int(shared.total.sum())
                now = int(shared.done.sum())
                bar.update(now - shown)
                shown = now
        results = workers.finish()
    except BaseException:
        shared.stop[0] = 1
        workers.kill()
        raise
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - start

    errors = [r for r in results if r[0] == "error" and not isinstance(r[1], Stopped)]
    if errors:
        err = errors[0][1]
        if isinstance(err, TrainingDiverged) or len(errors[0]) < 4:
            raise err  # from a thread: its own traceback is intact
        err.worker_frames = errors[0][3]  # where it failed in the worker process
        raise err from RuntimeError("in a worker process:\n" + errors[0][2])
    reports = [r[1] for r in results]
    losses, loss_steps, loss_lrs, loss_epochs = merge_losses(reports)
    pairs = sum(r.pairs for r in reports)
    return TrainResult(
        words=list(vocab.words),
        counts=vocab.counts.copy(),
        embeddings=np.array(shared.centre),
        context_embeddings=np.array(shared.context),
        losses=losses,
        loss_steps=loss_steps,
        loss_lrs=loss_lrs,
        loss_epochs=loss_epochs,
        pairs_trained=pairs,
        steps=sum(r.steps for r in reports),
        tokens=len(corpus),
        pairs_per_second=pairs / seconds if seconds > 0 else math.inf,
        seconds=seconds,
        config=config,
    )

