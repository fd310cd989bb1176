"""Keep hidden-test text out of student-visible feedback (a second line of defence).

Where the sandbox confines a submission, it cannot read the hidden tests at all.
Elsewhere it could read them and put their text into an exception message, which
the grader shows.  So every stretch of ``WINDOW`` or more characters of what a
submission controls (its exceptions' type, text and line) that also occurs in the
hidden side's source is replaced by ``[hidden]`` - except text that also occurs in
what students already have (the grader, edugrad, hw3, the worker): the grader's own
words and edugrad's messages are never touched.
"""

from __future__ import annotations

import functools
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDDEN = [os.path.join(ROOT, "instructor", "hidden")]
PUBLIC = [os.path.join(ROOT, name) for name in ("grader", "edugrad", "hw3", "sandboxed")]
WINDOW = 16


def _texts(folders, suffixes):
    for top in folders:
        for folder, _, files in os.walk(top):
            for name in sorted(files):
                if name.endswith(suffixes):
                    try:
                        with open(os.path.join(folder, name), encoding="utf-8") as f:
                            yield f.read()
                    except (OSError, UnicodeDecodeError):
                        continue


@functools.lru_cache(maxsize=1)
def _hidden_windows() -> frozenset[str]:
    return frozenset(text[i:i + WINDOW] for text in _texts(HIDDEN, (".py",))
                     for i in range(len(text) - WINDOW + 1))


@functools.lru_cache(maxsize=1)
def _public_text() -> str:
    """The public source, and its string literals as the program sees them (a message
    split over several source lines is one string)."""
    import ast

    parts = []
    for text in _texts(PUBLIC, (".py",)):
        parts.append(text)
        try:
            parts += [n.value for n in ast.walk(ast.parse(text))
                      if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        except SyntaxError:
            pass
    return "\0".join(parts)


@functools.lru_cache(maxsize=4096)
def _secret(window: str) -> bool:
    """In the hidden source and nowhere in what students already have."""
    return window in _hidden_windows() and window not in _public_text()


def redact(text: str) -> str:
    if not text or len(text) < WINDOW or not _hidden_windows():
        return text
    hidden = _hidden_windows()
    hit = [False] * len(text)
    for i in range(len(text) - WINDOW + 1):
        window = text[i:i + WINDOW]
        if window in hidden and _secret(window):
            hit[i:i + WINDOW] = [True] * WINDOW
    if not any(hit):
        return text
    out, i = [], 0
    while i < len(text):
        if hit[i]:
            while i < len(text) and hit[i]:
                i += 1
            out.append("[hidden]")
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
