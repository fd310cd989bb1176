"""Measure scatter-add candidates for edugrad/scatter.py at word2vec sizes.

    python -m bench.scatter_candidates [--repeats 7]

``out[idx[i]] += rows[i]`` with repeated indices (Zipf-distributed, like words in a
corpus), V ~ 9k rows of d = 50, n = batch * (k + 2) rows per step.  Prints the
median microseconds per call of each candidate and checks every one against a
float64 reference (a candidate that drops repeated updates fails loudly).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

V, D, K = 9000, 50, 5


def add_at_2d(idx, rows):
    out = np.zeros((V, rows.shape[1]), dtype=rows.dtype)
    np.add.at(out, idx, rows)
    return out


def add_at_flat(idx, rows):
    d = rows.shape[1]
    out = np.zeros(V * d, dtype=rows.dtype)
    np.add.at(out, (idx[:, None] * d + np.arange(d)).ravel(), rows.ravel())
    return out.reshape(V, d)


def bincount_flat(idx, rows):
    d = rows.shape[1]
    pos = (idx[:, None] * d + np.arange(d)).ravel()
    return np.bincount(pos, weights=rows.ravel(), minlength=V * d).reshape(V, d).astype(rows.dtype)


def sort_reduceat(idx, rows):
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    starts = np.flatnonzero(np.r_[True, sidx[1:] != sidx[:-1]])
    sums = np.add.reduceat(np.take(rows, order, axis=0), starts, axis=0)
    out = np.zeros((V, rows.shape[1]), dtype=rows.dtype)
    out[sidx[starts]] = sums
    return out


def sort_reduceat_compact(idx, rows):
    """Same, but returns only (unique rows, their sums): what a row-sparse gradient needs."""
    order = np.argsort(idx, kind="stable")
    sidx = idx[order]
    starts = np.flatnonzero(np.r_[True, sidx[1:] != sidx[:-1]])
    return sidx[starts], np.add.reduceat(np.take(rows, order, axis=0), starts, axis=0)


def scipy_csr(idx, rows):
    from scipy import sparse

    n = len(idx)
    onehot = sparse.csr_matrix((np.ones(n, dtype=rows.dtype), (idx, np.arange(n))), shape=(V, n))
    return np.asarray(onehot @ rows)


def scipy_csc(idx, rows):
    """One stored 1 per column j, in row idx[j]: no sorting or conversion to build."""
    from scipy import sparse

    n = len(idx)
    onehot = sparse.csc_matrix((np.ones(n, dtype=rows.dtype), idx, np.arange(n + 1)), shape=(V, n))
    return onehot @ rows


CANDIDATES = {
    "np.add.at 2-D": add_at_2d,
    "np.add.at flat 1-D": add_at_flat,
    "np.bincount flat": bincount_flat,
    "sort + np.add.reduceat (dense out)": sort_reduceat,
    "sort + np.add.reduceat (compact)": sort_reduceat_compact,
    "scipy CSR one-hot @ rows": scipy_csr,
    "scipy CSC one-hot @ rows": scipy_csc,
}


def zipf_indices(rng, n):
    p = 1.0 / np.arange(1, V + 1)
    return rng.choice(V, size=n, p=p / p.sum()).astype(np.int64)


def median_us(fn, idx, rows, repeats):
    fn(idx, rows)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(idx, rows)
        times.append(time.perf_counter() - t)
    return 1e6 * float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batches", type=int, nargs="+", default=[1024, 4096, 16384])
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"V={V} d={D} k={K}; median us per call (and ns per row) over {args.repeats} repeats")
    for dtype in (np.float32, np.float64):
        for batch in args.batches:
            n = batch * (K + 2)
            idx = zipf_indices(rng, n)
            rows = rng.standard_normal((n, D)).astype(dtype)
            ref = np.zeros((V, D))
            np.add.at(ref, idx, rows.astype(np.float64))
            print(f"\n{np.dtype(dtype).name}, batch {batch} -> n = {n} rows "
                  f"({len(np.unique(idx))} distinct)")
            for name, fn in CANDIDATES.items():
                got = fn(idx, rows)
                if isinstance(got, tuple):
                    dense = np.zeros((V, D), dtype=dtype)
                    dense[got[0]] = got[1]
                    got = dense
                tol = 1e-3 if dtype == np.float32 else 1e-9
                ok = np.allclose(got, ref, atol=tol, rtol=tol)
                us = median_us(fn, idx, rows, args.repeats)
                print(f"  {name:38s} {us:9.0f} us {1e3 * us / n:7.1f} ns/row "
                      f"{'ok' if ok else 'WRONG'}")


if __name__ == "__main__":
    main()
