"""Keep hidden-test source out of student-visible text.

Anything the submission controls (exception messages, import errors) is shown to
the student.  A submission that reads the hidden rubric files from disk could put
their text there; every line of hidden source found in such text is replaced.
"""

from __future__ import annotations

import functools
import os

HIDDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rubric", "hidden")
MIN_LINE = 12


@functools.lru_cache(maxsize=1)
def _secret_lines() -> tuple[str, ...]:
    lines = set()
    for folder, _, files in os.walk(HIDDEN):
        for name in files:
            if name.endswith(".py"):
                try:
                    with open(os.path.join(folder, name), encoding="utf-8") as f:
                        lines.update(ln.strip() for ln in f if len(ln.strip()) >= MIN_LINE)
                except OSError:
                    pass
    return tuple(sorted(lines, key=len, reverse=True))


def redact(text: str) -> str:
    if not text:
        return text
    for line in _secret_lines():
        if line in text:
            text = text.replace(line, "[hidden]")
    return text
