"""Reading a corpus: UTF-8 text, one sentence (or document) per line.

Tokens are the whitespace-separated pieces of each line, lowercased.  Context
windows never cross a line break.  A file that is not valid UTF-8 is refused with
the line number of the first bad byte (we do not guess an encoding or silently
replace characters: that would change the vocabulary without telling you).

No Python loop runs per token: splitting, counting and id lookup run in C
(``str.split``, ``map``, ``collections.Counter``, ``np.fromiter``).
"""

from __future__ import annotations

import codecs
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hw3.errors import UsageError


@dataclass
class Corpus:
    """The tokens of a corpus in reading order, and how many fall on each line."""

    path: Path
    tokens: list[str]
    line_lengths: np.ndarray  # int64, one entry per line (0 for blank lines)

    def __len__(self) -> int:
        return len(self.tokens)


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(codecs.BOM_UTF8):  # some editors start UTF-8 files with one
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise UsageError(
            f"The corpus {path} is not valid UTF-8: line {line}, byte {column} is "
            f"{data[err.start:err.start + 1]!r}. Save the file as UTF-8 (for example "
            f"`iconv -f latin1 -t utf-8 {path} > fixed.txt`) or remove that line, then "
            "run again."
        ) from None


def read_corpus(path) -> Corpus:
    """Read ``path`` (UTF-8, one sentence per line) into a ``Corpus``.

    Raises ``UsageError`` for a missing, unreadable, non-UTF-8 or empty file.
    """
    path = Path(path)
    if not path.exists():
        hint = ""
        if "data/real" in path.as_posix():
            hint = (" data/real/ ships in the student release; a clone of the course "
                    "repository does not hold it: run `make install-dev`, then `make data`, "
                    "to make it there.")
        raise UsageError(
            f"The corpus file {path} does not exist.{hint} Check the path given to "
            "--corpus (the default is the committed toy corpus, data/toy/corpus.txt)."
        )
    if path.is_dir():
        raise UsageError(
            f"--corpus {path} is a folder; give the text file inside it "
            f"(for example {path / 'corpus.txt'})."
        )
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UsageError(f"Could not read the corpus {path}: {err.strerror}.") from None
    text = _decode(data, path)
    lines = text.lower().splitlines()
    split_lines = list(map(str.split, lines))
    lengths = np.fromiter(map(len, split_lines), dtype=np.int64, count=len(split_lines))
    tokens = list(itertools.chain.from_iterable(split_lines))
    if not tokens:
        raise UsageError(
            f"The corpus {path} is empty (no words in it). Give a text file with one "
            "sentence per line, words separated by spaces."
        )
    return Corpus(path=path, tokens=tokens, line_lengths=lengths)
