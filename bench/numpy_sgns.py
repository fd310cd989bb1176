"""SGNS written directly in numpy: the speed ceiling for this stack.

Same data as the product (hw3's corpus reader, vocabulary, subsampling, dynamic
windows, shuffled pairs, unigram^0.75 negatives), same initialisation, summed loss
and linearly decaying lr -- but the gradients are written out by hand, with no
graph, no Tensors and no checks:

    s+ = u_o . v_c,  s-_k = u_nk . v_c
    dL/ds+ = sigma(s+) - 1,   dL/ds-_k = sigma(s-_k)
    dL/dv_c = dL/ds+ u_o + sum_k dL/ds-_k u_nk;   dL/du_t = dL/ds_t v_c

Rows are scattered back with edugrad's ``scatter_add_rows`` (the fastest correct
scatter measured; see edugrad/scatter.py), updated in place.
"""

from __future__ import annotations

import time

import numpy as np

from edugrad.scatter import scatter_add_rows
from hw3.allocator import keep_freed_memory
from hw3.sampling import NegativeSampler, epoch_pairs, keep_probabilities
from hw3.train import TrainConfig, cap_frequent_rows, prepare


def train_numpy(config: TrainConfig) -> dict:
    """Train; return words, embeddings, pairs trained, training seconds and CPU seconds."""
    _, vocab, encoded = prepare(config)
    keep_freed_memory()  # as the product's train() does, so both reuse freed memory
    rng = np.random.default_rng(config.seed)
    dtype = np.dtype(config.dtype)
    V, d, K, B = len(vocab), config.dim, config.negatives, config.batch_size
    centre = rng.uniform(-0.5 / d, 0.5 / d, size=(V, d)).astype(dtype)
    context = np.zeros((V, d), dtype=dtype)
    keep_prob = keep_probabilities(vocab.frequencies, config.subsample)
    sampler = NegativeSampler(vocab.counts)
    signs = np.full(1 + K, -1.0, dtype=dtype)
    signs[0] = 1.0  # dL/ds = sigma(s) - 1 for the true context, sigma(s) for negatives

    start, cpu_start = time.perf_counter(), time.process_time()
    centres, contexts = epoch_pairs(encoded, keep_prob, config.window, rng)
    total = max(1, len(centres) * config.epochs)
    pairs_done = 0
    for epoch in range(config.epochs):
        if epoch:
            centres, contexts = epoch_pairs(encoded, keep_prob, config.window, rng)
        for s in range(0, len(centres), B):
            c = centres[s:s + B]
            n = len(c)
            targets = np.empty((n, 1 + K), dtype=np.int64)
            targets[:, 0] = contexts[s:s + B]
            targets[:, 1:] = sampler.draw(rng, (n, K))
            lr = config.lr * max(config.min_lr_fraction, 1 - pairs_done / total)

            v = np.take(centre, c, axis=0)              # (n, d)
            u = np.take(context, targets, axis=0)       # (n, 1+K, d)
            scores = np.einsum("ntd,nd->nt", u, v)
            g = 1.0 / (1.0 + np.exp(-scores * signs))   # sigma(sign * s)
            g = ((g - 1.0) * signs).astype(dtype, copy=False)  # dL/ds
            grad_v = np.einsum("nt,ntd->nd", g, u)
            grad_u = np.einsum("nt,nd->ntd", g, v)  # g[:, :, None] * v[:, None, :]
            grad_centre = scatter_add_rows(V, c, grad_v)
            grad_context = scatter_add_rows(V, targets, grad_u)
            if config.row_cap:  # the same cap as the product (hw3/train.py)
                cap_frequent_rows(grad_centre, c, config.row_cap / config.lr)
                cap_frequent_rows(grad_context, targets, config.row_cap / config.lr)
            centre -= lr * grad_centre
            context -= lr * grad_context
            pairs_done += n
        if not np.isfinite(centre).all():
            raise FloatingPointError(f"numpy SGNS diverged in epoch {epoch + 1} (lr {config.lr})")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return {"words": list(vocab.words), "embeddings": centre, "pairs": pairs_done,
            "seconds": seconds, "cpu": cpu, "tokens": int(len(encoded))}


if __name__ == "__main__":  # quick look: python -m bench.numpy_sgns CORPUS [EPOCHS]
    import sys

    cfg = TrainConfig(corpus=sys.argv[1], epochs=int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    out = train_numpy(cfg)
    print(f"{out['pairs']} pairs in {out['seconds']:.2f} s: "
          f"{out['pairs'] / out['seconds']:,.0f} pairs/s")
