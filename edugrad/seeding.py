"""Where edugrad's randomness comes from.

Everything random in edugrad (weight initialisation, batch shuffling) takes a
``numpy.random.Generator`` argument.  When you do not pass one, the library's
default generator is used: fresh randomness, unless you called ``set_seed``.
edugrad never draws from numpy's global random state (``np.random.rand`` etc.).
"""

from __future__ import annotations

import random

import numpy as np

_default: np.random.Generator | None = None


def set_seed(seed: int) -> np.random.Generator:
    """The course convention: seed Python's ``random``, numpy's global state (for
    your own code that uses them) and edugrad's default generator, all at once.
    Returns edugrad's default generator."""
    global _default
    random.seed(seed)
    np.random.seed(seed)
    _default = np.random.default_rng(seed)
    return _default


def default_generator() -> np.random.Generator:
    """The generator used when a function is not given one."""
    global _default
    if _default is None:
        _default = np.random.default_rng()
    return _default


def resolve(rng: np.random.Generator | None) -> np.random.Generator:
    """``rng`` if given, else the default generator."""
    if rng is None:
        return default_generator()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"expected a numpy.random.Generator (e.g. np.random.default_rng(seed)), got "
            f"{type(rng).__name__}."
        )
    return rng
