"""Mini-batches: ``BatchIterator`` walks (inputs, targets) in shuffled batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from edugrad.seeding import resolve
from edugrad.tensor import Tensor


@dataclass
class Batch:
    inputs: Tensor
    targets: Tensor


class BatchIterator:
    """``for batch in BatchIterator(batch_size=32, rng=rng)(inputs, targets): ...``

    Each call shuffles (when ``shuffle``) with the given ``numpy.random.Generator``,
    so one seeded generator gives the same batches every run.  The last batch may be
    smaller.  ``num_batches`` is set by the latest call.
    """

    def __init__(self, batch_size: int = 32, shuffle: bool = True,
                 rng: np.random.Generator | None = None):
        if isinstance(batch_size, bool) or not (
                isinstance(batch_size, (int, np.integer)) and batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.rng = rng
        self.num_batches = 0

    def __call__(self, inputs, targets) -> Iterator[Batch]:
        # Checked, shuffled and counted now (not lazily at the first batch).
        inputs = np.asarray(inputs.value if isinstance(inputs, Tensor) else inputs)
        targets = np.asarray(targets.value if isinstance(targets, Tensor) else targets)
        if inputs.ndim == 0 or targets.ndim == 0 or len(inputs) != len(targets):
            raise ValueError(
                f"inputs and targets must be arrays with one row per example and the same "
                f"number of rows, got shapes {inputs.shape} and {targets.shape}"
            )
        n = len(inputs)
        order = resolve(self.rng).permutation(n) if self.shuffle else np.arange(n)
        self.num_batches = -(-n // self.batch_size)
        return self._batches(inputs, targets, order)

    def _batches(self, inputs, targets, order) -> Iterator[Batch]:
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            yield Batch(Tensor(inputs[idx]), Tensor(targets[idx]))
