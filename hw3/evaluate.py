"""How good are the vectors?  Cosine neighbours, neighbour purity, word similarity.

* ``nearest_neighbours``: the k most cosine-similar words of each probe word.
* ``neighbour_purity``: with a gold class for every word (the toy corpus's
  ``classes.tsv``), the average share of a word's nearest neighbours that are in its
  own class.  1.0 means every word's neighbours are its classmates.
* ``spearman_similarity``: Spearman's rank correlation between cosine similarity
  and human judgements (WordSim353, SimLex-999), over the pairs whose two words are
  both in the vocabulary, plus the share of pairs that are not (the OOV rate).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from hw3.errors import UsageError

# Words left out of the probe list of a corpus without gold classes.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers him his how i if in into is
it its itself just me more most my no nor not now of off on once only or other our out
over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while
who whom why will with would you your yours one two first new may s
""".split())

FUNCTION_CLASS = "function"


def unit_rows(emb: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), in float64."""
    emb = np.asarray(emb, dtype=np.float64)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.where(norms > 0, norms, 1.0)


def _top_k(sims: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest entries of each row, best first (ties: lower index)."""
    k = min(k, sims.shape[1])
    order = np.argsort(-sims, axis=1, kind="stable")
    return order[:, :k]


def nearest_neighbours(emb, words, probe_words, k: int = 10) -> dict[str, list[tuple[str, float]]]:
    """{probe: [(neighbour, cosine), ...]} for each probe word in the vocabulary
    (probes not in ``words`` are skipped); the probe itself is never its own neighbour."""
    index = {w: i for i, w in enumerate(words)}
    probes = [w for w in probe_words if w in index]
    if not probes:
        return {}
    unit = unit_rows(emb)
    rows = np.array([index[w] for w in probes])
    sims = unit[rows] @ unit.T
    sims[np.arange(len(rows)), rows] = -np.inf
    best = _top_k(sims, k)
    return {
        w: [(words[j], float(sims[i, j])) for j in best[i]]
        for i, w in enumerate(probes)
    }


def neighbour_purity(emb, words, classes: dict[str, str], k: int = 10) -> float:
    """Mean over the classed vocabulary words of the share of their nearest neighbours
    (among all vocabulary words) that have the same class.

    Words of class ``function`` and words without a class are not scored (they still
    count as neighbours).  For a class of n words in the vocabulary, each member looks
    at min(k, n - 1) neighbours, so perfect vectors score 1.0 even for small classes.
    Classes with a single word are skipped.  Returns nan if nothing can be scored.
    """
    index = {w: i for i, w in enumerate(words)}
    label = np.array([classes.get(w, "") for w in words], dtype=object)
    sizes: dict[str, int] = {}
    for c in label:
        sizes[c] = sizes.get(c, 0) + 1
    scored = [i for i, w in enumerate(words)
              if label[i] not in ("", FUNCTION_CLASS) and sizes[label[i]] > 1 and w in index]
    if not scored:
        return math.nan
    unit = unit_rows(emb)
    rows = np.array(scored)
    sims = unit[rows] @ unit.T
    sims[np.arange(len(rows)), rows] = -np.inf
    best = _top_k(sims, k)
    shares = []
    for i, r in enumerate(rows):
        kk = min(k, sizes[label[r]] - 1)
        shares.append(np.mean(label[best[i, :kk]] == label[r]))
    return float(np.mean(shares))


def read_classes(path) -> dict[str, str]:
    """``word<TAB>class`` per line -> {word: class} (words lowercased)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(
            f"Could not read the word classes {path} (read because it sits beside the "
            f"corpus): {err}. Save it as UTF-8 with one `word<TAB>class` per line, or move "
            "it away to train without neighbour purity."
        ) from None
    classes = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise UsageError(f"{path}, line {n}: expected `word<TAB>class`, got {line!r}.")
        classes[parts[0].strip().lower()] = parts[1].strip()
    return classes


def read_similarity(path) -> list[tuple[str, str, float]]:
    """Word pairs with a human score: WordSim353 (.tsv) or SimLex-999 (.txt).

    Accepts gensim's copies (``word1<TAB>word2<TAB>score``, ``#`` comments), the
    original SimLex-999 file (a header row naming the ``SimLex999`` column) and
    comma-separated WordSim353 (``Word 1,Word 2,Human (mean)``).  Rows whose score is
    not a number (headers) are skipped; words are lowercased.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(
            f"The similarity file {path} does not exist. `make data` puts WordSim353 and "
            "SimLex-999 in data/real/similarity/."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"Could not read the similarity file {path}: {err}.") from None
    column = 2
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in (line.split("\t") if "\t" in line else line.split(","))]
        if "SimLex999" in parts:
            column = parts.index("SimLex999")
            continue
        if len(parts) <= column:
            continue
        try:
            score = float(parts[column])
        except ValueError:
            continue  # a header row
        pairs.append((parts[0].lower(), parts[1].lower(), score))
    if not pairs:
        raise UsageError(
            f"The similarity file {path} holds no `word1<TAB>word2<TAB>score` rows "
            "(WordSim353 or SimLex-999 format expected)."
        )
    return pairs


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties get the mean of their ranks."""
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    ranks = np.empty(len(x))
    starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])
    ends = np.r_[starts[1:], len(x)]
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + e + 1) / 2
    return ranks


def spearman(x, y) -> float:
    """Spearman's rho (Pearson correlation of the ranks); nan when undefined."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return math.nan
    rx, ry = _ranks(x), _ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry / denom) if denom > 0 else math.nan


def spearman_similarity(emb, words, pairs) -> tuple[float, float]:
    """(rho, oov_rate): Spearman between cosine and human scores over in-vocabulary
    pairs, and the share of pairs with a word outside the vocabulary."""
    if not pairs:
        return math.nan, math.nan
    index = {w: i for i, w in enumerate(words)}
    known = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    oov_rate = 1 - len(known) / len(pairs)
    if len(known) < 2:
        return math.nan, oov_rate
    unit = unit_rows(emb)
    ia = np.array([k[0] for k in known])
    ib = np.array([k[1] for k in known])
    cosines = np.einsum("ij,ij->i", unit[ia], unit[ib])
    return spearman(cosines, [k[2] for k in known]), oov_rate


def probe_words(words, counts, classes: dict[str, str] | None = None,
                per_class: int = 4, n_frequent: int = 20) -> list[str]:
    """The words whose neighbours go in neighbours.txt.

    With gold classes: the ``per_class`` most frequent words of each class (classes
    in alphabetical order, ``function`` left out).  Without: the ``n_frequent`` most
    frequent words that are not stopwords, numbers or single letters.
    """
    order = np.argsort(-np.asarray(counts), kind="stable")
    if classes:
        by_class: dict[str, list[str]] = {}
        for i in order:
            c = classes.get(words[i])
            if c and c != FUNCTION_CLASS:
                by_class.setdefault(c, []).append(words[i])
        return [w for c in sorted(by_class) for w in by_class[c][:per_class]]
    picked = []
    for i in order:
        w = words[i]
        if len(w) > 1 and w.isalpha() and w not in STOPWORDS:
            picked.append(w)
            if len(picked) == n_frequent:
                break
    return picked
