"""Op-specific backward mistakes, for ``grader.diagnose`` (instructors only).

Naming these mistakes spells out the right derivative ("s * (1 - s) with s the
forward *output*"), so this file is left out of the student release (see
``grader/release.py``); students still get the mistakes any op can make
(``grader/diagnose.py``), and graded feedback gets these too.
"""

from __future__ import annotations

import numpy as np

from grader import expected


def candidates(op: str, inputs, g) -> list[tuple[str, np.ndarray]]:
    """(explanation, the wrong gradient of input 0) pairs for sigmoid and log."""
    a = np.asarray(inputs[0], dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    if op == "sigmoid":
        s = expected.sigmoid(a)
        ss = expected.sigmoid(s)
        return [
            ("you used the input where the output was meant: the derivative is s * (1 - s) "
             "with s = sigmoid(a), the forward *output*, but your code computes a * (1 - a) "
             "with the input a.", g * a * (1 - a)),
            ("you used the input where the output was meant (a * (1 - a) instead of "
             "s * (1 - s)), and grad_output is missing too.", a * (1 - a)),
            ("sigmoid was applied twice: backward took sigmoid of the saved output. Save "
             "s = sigmoid(a) in forward and use it as is.", g * ss * (1 - ss)),
            ("the derivative is incomplete: it needs both s and (1 - s).", g * s),
            ("the derivative is incomplete: it needs both s and (1 - s).", g * (1 - s)),
        ]
    if op == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return [
                ("you used the output log(a) where the input a was meant: d log(a)/da = 1/a.",
                 g / np.log(a)),
                ("you multiplied by a where you should divide: d log(a)/da = 1/a.", g * a),
                ("that is the derivative of 1/a, not of log(a).", -g / a**2),
            ]
    return []
