"""Op-specific backward mistakes, added to ``grader.diagnose`` when instructors grade.

Naming these mistakes spells out the right derivative ("s * (1 - s) with s the
forward *output*"), so they stay on the instructors' side; students' ``make test``
names only the mistakes any op can make.  Keys are what the catalogs expect.
"""

from __future__ import annotations

import numpy as np

from hw3.registry import BY_NAME


def candidates(op: str, inputs, g, right, i: int) -> list[tuple[str, str, np.ndarray]]:
    """(key, sentence, the wrong gradient of input i) for sigmoid and log."""
    a = np.asarray(inputs[0], dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    if op == "sigmoid":
        s = BY_NAME["sigmoid"].definition(a)
        ss = BY_NAME["sigmoid"].definition(s)
        return [
            ("input_for_output", "you used the input where the output was meant: the "
             "derivative is s * (1 - s) with s = sigmoid(a), the forward *output*, but your "
             "code computes a * (1 - a) with the input a.", g * a * (1 - a)),
            ("input_for_output", "you used the input where the output was meant (a * (1 - a) "
             "instead of s * (1 - s)), and grad_output is missing too.", a * (1 - a)),
            ("applied_twice", "sigmoid was applied twice: backward took sigmoid of the saved "
             "output. Save s = sigmoid(a) in forward and use it as is.", g * ss * (1 - ss)),
            ("incomplete_derivative", "the derivative is incomplete: it needs both s and "
             "(1 - s).", g * s),
            ("incomplete_derivative", "the derivative is incomplete: it needs both s and "
             "(1 - s).", g * (1 - s)),
            ("plus_for_minus", "the derivative is s * (1 - s), not s * (1 + s).",
             g * s * (1 + s)),
        ]
    if op == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return [
                ("output_for_input", "you used the output log(a) where the input a was "
                 "meant: d log(a)/da = 1/a.", g / np.log(a)),
                ("times_for_divide", "you multiplied by a where you should divide: "
                 "d log(a)/da = 1/a.", g * a),
                ("wrong_derivative", "that is the derivative of 1/a, not of log(a).",
                 -g / a**2),
                ("wrong_derivative", "that is -1/a, the derivative of log(1/a); "
                 "d log(a)/da = 1/a.", -g / a),
                ("wrong_derivative", "1/a^2 is not the derivative of log(a); it is 1/a.",
                 g / a**2),
                ("times_log", "you multiplied grad_output by log(a); d log(a)/da = 1/a.",
                 g * np.log(a)),
            ]
    return []
