"""The systems the benchmark compares; each runs in its own process.

    python -m bench.systems SYSTEM SETTINGS_JSON OUT_JSON

SYSTEM is one of ``SYSTEMS``.  SETTINGS_JSON holds ``hw3.train.TrainConfig`` fields
plus ``similarity`` (a list of [name, path]).  The child trains, evaluates, and
writes OUT_JSON: pairs, seconds and CPU seconds (all threads and worker processes) of
the training loop only, and one [rho, oov_rate] per similarity set.  The parent (bench/run.py) measures wall time
and peak memory of the whole child process.

A *training pair* is one positive (centre, context) pair together with its K
negatives -- one term of the SGNS loss.  The product and the numpy ceiling count
the pairs they train.  gensim trains the same kind of pairs (same subsampling
formula, same dynamic window) but does not report them, so its count is the number
of pairs hw3's sampler draws for the same corpus and settings, epoch by epoch (an
estimate of the same random quantity; within ~0.1 % of the product's).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

# product-2t / product-2p: the product with 2 workers as threads / forked processes
# (hw3/parallel.py); the plain product row is the single-worker run students get.
SYSTEMS = ("product", "product-2t", "product-2p", "numpy", "gensim-1", "gensim-2")

# gensim silently drops the words of a sentence beyond this many (its C code's
# MAX_SENTENCE_LEN), so long lines are fed to it in chunks of this size.
GENSIM_MAX_SENTENCE = 10_000


def cpu_seconds() -> float:
    """CPU time of this process (every thread) and of its finished child processes."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _config(settings: dict):
    from hw3.train import TrainConfig

    fields = TrainConfig.__dataclass_fields__
    return TrainConfig(**{k: v for k, v in settings.items() if k in fields})


def run_product(config, workers: int = 1, backend: str | None = None) -> dict:
    from dataclasses import replace

    from hw3.ops_loader import load_ops
    from hw3.train import prepare, train

    config = replace(config, workers=workers)
    ops, prepared = load_ops("solution"), prepare(config)
    cpu = cpu_seconds()
    if workers == 1:
        result = train(config, ops, prepared=prepared)
    else:
        from hw3.parallel import train_parallel

        result = train_parallel(config, ops, False, prepared, backend=backend)
    cpu = cpu_seconds() - cpu
    return {"words": result.words, "embeddings": result.embeddings,
            "pairs": int(result.pairs_trained), "seconds": float(result.seconds), "cpu": cpu}


def run_numpy(config) -> dict:
    from bench.numpy_sgns import train_numpy

    return train_numpy(config)


def gensim_pair_count(config) -> int:
    """Pairs hw3's sampler draws over ``config.epochs`` epochs (see the module doc)."""
    from hw3.sampling import keep_probabilities, make_pairs, subsample
    from hw3.train import prepare

    _, vocab, encoded = prepare(config)
    rng = np.random.default_rng(config.seed)
    keep_prob = keep_probabilities(vocab.frequencies, config.subsample)
    total = 0
    for _ in range(config.epochs):
        centres, _ = make_pairs(subsample(encoded, keep_prob, rng), config.window, rng)
        total += len(centres)
    return total


def run_gensim(config, workers: int) -> dict:
    from gensim.models import Word2Vec

    from hw3.corpus import read_corpus

    corpus = read_corpus(config.corpus)
    sentences, start = [], 0
    for length in corpus.line_lengths.tolist():
        line = corpus.tokens[start:start + length]
        start += length
        sentences.extend(line[i:i + GENSIM_MAX_SENTENCE]
                         for i in range(0, len(line), GENSIM_MAX_SENTENCE))
    model = Word2Vec(vector_size=config.dim, window=config.window, negative=config.negatives,
                     hs=0, sg=1, min_count=config.min_count, sample=config.subsample,
                     alpha=config.lr, min_alpha=config.lr * config.min_lr_fraction,
                     seed=config.seed, workers=workers)
    model.build_vocab(sentences)
    t, cpu = time.perf_counter(), cpu_seconds()
    model.train(sentences, total_examples=model.corpus_count, epochs=config.epochs)
    seconds, cpu = time.perf_counter() - t, cpu_seconds() - cpu
    return {"words": list(model.wv.index_to_key), "embeddings": model.wv.vectors,
            "pairs": gensim_pair_count(config), "seconds": seconds, "cpu": cpu}


def similarity_scores(embeddings, words, similarity) -> dict:
    from hw3.evaluate import read_similarity, spearman_similarity

    scores = {}
    for name, path in similarity:
        rho, oov = spearman_similarity(np.asarray(embeddings, dtype=np.float64), words,
                                       read_similarity(path))
        scores[name] = [None if rho != rho else float(rho), float(oov)]
    return scores


def run(system: str, settings: dict) -> dict:
    """Train and evaluate ``system``; a run whose loss diverged returns {"diverged": why}."""
    from hw3.errors import TrainingDiverged

    try:
        return _run(system, settings)
    except (TrainingDiverged, FloatingPointError) as err:
        return {"system": system, "diverged": str(err).split(". ")[0]}


def _run(system: str, settings: dict) -> dict:
    config = _config(settings)
    if system == "product":
        out = run_product(config)
    elif system.startswith("product-"):
        count, kind = system.split("-")[1][:-1], system[-1]
        out = run_product(config, workers=int(count),
                          backend={"t": "thread", "p": "process"}[kind])
    elif system == "numpy":
        out = run_numpy(config)
    elif system.startswith("gensim-"):
        out = run_gensim(config, workers=int(system.split("-")[1]))
    else:
        raise SystemExit(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
    return {"system": system, "pairs": out["pairs"], "seconds": out["seconds"],
            "cpu": out["cpu"],
            "vocab": len(out["words"]),
            "similarity": similarity_scores(out["embeddings"], out["words"],
                                            settings.get("similarity", []))}


def main(argv=None) -> None:
    system, settings_json, out_path = argv if argv is not None else sys.argv[1:]
    result = run(system, json.loads(settings_json))
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
