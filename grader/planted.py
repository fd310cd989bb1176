"""Files a submission may have planted in an output folder while it was graded.

``snapshot`` before grading, ``remove_planted`` after every sandbox is gone: whatever
appeared meanwhile (fake results, extra files) disappears; what was there before and
the grader's own outputs stay.
"""

from __future__ import annotations

import os


def snapshot(folder: str) -> set[str]:
    """Every path under ``folder`` now (files, links and folders)."""
    found = set()
    for root, dirs, files in os.walk(folder):
        found.update(os.path.abspath(os.path.join(root, n)) for n in dirs + files)
    return found


def remove_planted(folder: str, before: set[str], keep) -> list[str]:
    """Delete what appeared under ``folder`` since ``before`` (a ``snapshot``), but ``keep``."""
    keep = {os.path.abspath(p) for p in keep}
    keep_dirs = {os.path.dirname(p) for p in keep}
    removed = []
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.abspath(os.path.join(root, name))
            if path not in keep and path not in before:
                try:
                    os.unlink(path)
                    removed.append(path)
                except OSError:
                    pass
        for name in dirs:
            path = os.path.abspath(os.path.join(root, name))
            if path not in before and path not in keep_dirs and os.path.isdir(path) \
                    and not os.path.islink(path):
                try:
                    os.rmdir(path)  # only if empty
                except OSError:
                    pass
    return removed
