"""Keep the memory a training step frees for the next step, instead of returning it.

Each step makes arrays of a few MB (the batch's (B, 1 + K, d) products and gradients)
and frees them.  By default glibc hands blocks that big back to the kernel at once, so
the next step's arrays are fresh pages the kernel must map and zero again: on the toy
corpus that cost more kernel time than the training itself.  ``keep_freed_memory``
raises glibc's two thresholds (``mallopt``) so that arrays up to 32 MB come from the
process's heap and up to 64 MB of freed memory stays there for reuse.  The numbers
computed do not change, only where the arrays live.  Without glibc (macOS, musl,
Windows) it does nothing.
"""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
MMAP_THRESHOLD = 32 << 20  # glibc's largest: smaller blocks come from the heap
TRIM_THRESHOLD = 64 << 20  # freed memory the heap keeps before returning any


@functools.cache
def keep_freed_memory() -> bool:
    """Set both thresholds for this process (once); True where glibc took them."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) \
        and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
