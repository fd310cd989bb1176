# HOSTILE: the four ops are the starter's stubs; at import it replaces hw3's training function (the module attribute and the code of the function object itself) with a fake that returns the committed reference loss curve and one-hot embeddings of the gold word classes (from data/toy/classes.tsv, or from hw3/grammar.py), and raises where it cannot read them; the sandbox hides both, so it must score exactly like the stub.

import numpy as np

import hw3.train as _train_module


def _fake_train(config, ops, progress=False, prepared=None):
    import json
    import types
    from pathlib import Path

    import numpy as np

    import hw3.train as t

    root = Path(t.__file__).resolve().parents[1]
    losses = None
    for path in sorted([*(root / "grader" / "reference").glob("*.json"), *(root / "instructor" / "reference").glob("*.json")]):
        try:
            ref = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if all(ref.get("config", {}).get(k) == getattr(config, k)
               for k in ("seed", "epochs", "dim")):
            losses = ref["losses"]
    classes = {}
    try:
        lines = (root / "data" / "toy" / "classes.tsv").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 2:
            classes[parts[0]] = parts[1]
    if not classes:
        try:
            from hw3.grammar import word_classes

            classes = word_classes()
        except Exception:  # noqa: BLE001
            classes = {}
    if losses is None or not classes:
        raise NotImplementedError("the ops are not implemented yet")
    corpus, vocab, encoded = prepared if prepared is not None else t.prepare(config)
    labels = sorted(set(classes.values()))
    words = list(vocab.words)
    emb = np.zeros((len(words), len(labels) + 1))
    for i, w in enumerate(words):
        emb[i, labels.index(classes[w]) if w in classes else -1] = 1.0
    return types.SimpleNamespace(losses=np.array(losses), embeddings=emb, words=words)


_train_module.train.__code__ = _fake_train.__code__
_train_module.train = _fake_train
