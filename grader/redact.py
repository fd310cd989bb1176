"""Keep hidden-test source out of student-visible text (a second line of defence).

Anything the submission controls (exception messages, import errors) is shown to
the student.  When the grader runs as root, the child cannot even see the hidden
rubric (``grader.confine``); otherwise a submission could read those files and put
their text into an error message.  Every stretch of ``WINDOW`` or more characters
that also occurs in the hidden source is replaced by ``[hidden]``.  (Encoded
copies cannot be recognised here: that is what ``confine`` is for.)
"""

from __future__ import annotations

import functools
import os

HIDDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rubric", "hidden")
WINDOW = 16


@functools.lru_cache(maxsize=1)
def _secret_windows() -> frozenset[str]:
    windows: set[str] = set()
    for folder, _, files in os.walk(HIDDEN):
        for name in files:
            if name.endswith(".py"):
                try:
                    with open(os.path.join(folder, name), encoding="utf-8") as f:
                        text = f.read()
                except OSError:
                    continue
                windows.update(text[i:i + WINDOW] for i in range(len(text) - WINDOW + 1))
    return frozenset(windows)


def redact(text: str) -> str:
    secret = _secret_windows()
    if not text or not secret or len(text) < WINDOW:
        return text
    hit = [False] * len(text)
    for i in range(len(text) - WINDOW + 1):
        if text[i:i + WINDOW] in secret:
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
