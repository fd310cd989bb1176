"""The skip-gram negative-sampling (SGNS) model, built from your four ops.

For a centre word c with true context word o and K negative words n_1..n_K:

    loss = -log sigma(u_o . v_c) - sum_k log sigma(-u_{n_k} . v_c)

v are the centre ("input") vectors, u the context ("output") vectors.  Here the
true context and the K negatives of each pair sit side by side as K + 1 *targets*,
each with a sign (+1 for the true context, -1 for a negative), so the whole batch
is one expression:

    loss = -sum over pairs and targets of  log(sigmoid(multiply(dot(u_t, v_c), sign_t)))

Only ``sigmoid``, ``log``, ``multiply`` and ``dot`` (yours), table lookups
(``take_rows``), ``expand``, ``reduce_sum`` and negation (``scale``) are used, so a
mistake in one of your ops shows up in training.
"""

from __future__ import annotations

import numpy as np

from edugrad import nn
from edugrad import ops as edu
from edugrad.tensor import Tensor


def target_signs(batch_size: int, negatives: int, dtype=np.float32) -> np.ndarray:
    """(batch_size, 1 + negatives): +1 in column 0 (the true context), -1 elsewhere."""
    signs = -np.ones((batch_size, 1 + negatives), dtype=dtype)
    signs[:, 0] = 1
    return signs


class SGNS(nn.Module):
    """Two embedding tables: ``centre`` (the word vectors you keep) and ``context``.

    Initialised as in word2vec: centre vectors uniform in +-0.5/dim, context vectors
    zero.  ``ops`` is the object holding sigmoid, log, multiply and dot.
    """

    def __init__(self, vocab_size: int, dim: int, ops, rng=None, dtype=np.float32):
        super().__init__()
        self.ops = ops
        self.centre = nn.Embedding(vocab_size, dim, init=0.5 / dim, rng=rng, dtype=dtype,
                                   name="centre")
        self.context = nn.Embedding(vocab_size, dim, init=0, dtype=dtype, name="context")

    def scores(self, centres: np.ndarray, targets: np.ndarray) -> Tensor:
        """u_t . v_c for every target: centres (B,), targets (B, T) -> (B, T)."""
        v = self.centre(centres)                         # (B, d)
        u = self.context(targets)                        # (B, T, d)
        v = edu.expand(v, axis=1, num=targets.shape[1])  # (B, T, d)
        return self.ops.dot(u, v)

    def forward(self, centres: np.ndarray, targets: np.ndarray, signs: np.ndarray) -> Tensor:
        """The SGNS loss summed over the batch (a scalar Tensor).

        centres (B,) ids; targets (B, 1 + K) ids, column 0 the true context;
        signs (B, 1 + K) from ``target_signs``.
        """
        signed = self.ops.multiply(self.scores(centres, targets), Tensor(signs))
        return -edu.reduce_sum(self.ops.log(self.ops.sigmoid(signed)))
