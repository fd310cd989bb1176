"""Recompute the training references: ``python -m instructor reference``.

Trains word2vec with the reference ops for each run and writes its settings, loss
curve and neighbour purity: the public run to grader/reference/short.json (it ships,
for `make test`), and the runs used when grading to instructor/reference/ (the public
run's settings with a private seed, and the longer hidden run).  Run it after
changing data/toy or the training code; commit the result.
"""

from __future__ import annotations

import os

from grader import training
from hw3.atomic import write_json

HERE = os.path.dirname(os.path.abspath(__file__))
PUBLIC_CONFIG = dict(epochs=1, dim=16, window=2, negatives=5, batch_size=1024, lr=0.05,
                     min_count=5, seed=0, subsample=3e-4, dtype="float64", log_every=4,
                     row_cap=0.0, min_lr_fraction=1e-4, max_steps=48)
# (where, name, settings): every setting pinned, none left to hw3's defaults.
RUNS = (
    (training.REFERENCE_DIR, "short", PUBLIC_CONFIG),
    (os.path.join(HERE, "reference"), "short", {**PUBLIC_CONFIG, "seed": 48_611}),
    (os.path.join(HERE, "reference"), "long",
     dict(PUBLIC_CONFIG, dim=20, window=3, seed=90_271, max_steps=64)),
)


def make_reference() -> list[str]:
    from hw3.ops_loader import load_ops
    from hw3.train import TrainConfig, train

    ops = load_ops("solution")
    written = []
    for folder, name, config in RUNS:
        result = train(TrainConfig(corpus=training.CORPUS, **config), ops)
        path = os.path.join(folder, f"{name}.json")
        write_json(path, {"name": name, "config": config, "corpus": "data/toy/corpus.txt",
                          "losses": [float(x) for x in result.losses],
                          "purity": training.purity(result.embeddings, result.words),
                          "vocabulary": len(result.words)})
        written.append(path)
    return written
