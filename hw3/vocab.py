"""The vocabulary: which words get a vector, and how often each occurs.

Words are ordered by count (most frequent first), ties alphabetically, so the
same corpus always gives the same ids.  Words seen fewer than ``min_count`` times
are dropped from the vocabulary *and* from the text before windows are made
(as in the original word2vec).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import numpy as np

from hw3.corpus import Corpus
from hw3.errors import UsageError


@dataclass
class Vocab:
    words: list[str]        # id -> word
    counts: np.ndarray      # id -> count in the corpus (int64)
    index: dict[str, int]   # word -> id

    def __len__(self) -> int:
        return len(self.words)

    @property
    def frequencies(self) -> np.ndarray:
        """Share of the (in-vocabulary) corpus each word makes up; sums to 1."""
        return self.counts / self.counts.sum()


def build_vocab(tokens, min_count: int = 1) -> Vocab:
    """Count ``tokens`` and keep the words seen at least ``min_count`` times."""
    counter = Counter(tokens)
    kept = sorted(((w, c) for w, c in counter.items() if c >= min_count),
                  key=lambda wc: (-wc[1], wc[0]))
    if not kept:
        top = max(counter.values()) if counter else 0
        raise UsageError(
            f"--min-count {min_count} leaves no words: the most frequent word occurs "
            f"only {top} time(s) in a corpus of {len(tokens)} tokens. Lower --min-count "
            "or use a bigger corpus."
        )
    words = [w for w, _ in kept]
    counts = np.array([c for _, c in kept], dtype=np.int64)
    return Vocab(words=words, counts=counts, index={w: i for i, w in enumerate(words)})


@dataclass
class EncodedCorpus:
    """The in-vocabulary tokens as ids, with the line each came from."""

    ids: np.ndarray         # int64 (n,)
    line_ids: np.ndarray    # int64 (n,), non-decreasing

    def __len__(self) -> int:
        return len(self.ids)


def encode(corpus: Corpus, vocab: Vocab) -> EncodedCorpus:
    """Token ids of ``corpus`` with out-of-vocabulary words removed."""
    n = len(corpus.tokens)
    ids = np.fromiter(map(vocab.index.get, corpus.tokens, itertools.repeat(-1, n)),
                      dtype=np.int64, count=n)
    line_ids = np.repeat(np.arange(len(corpus.line_lengths)), corpus.line_lengths)
    keep = ids >= 0
    return EncodedCorpus(ids=ids[keep], line_ids=line_ids[keep])

