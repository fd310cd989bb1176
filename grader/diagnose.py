"""Recognise the usual mistakes in a backward pass.

When a gradient is wrong, compare it with gradients computed the *wrong* ways
students typically compute them (forgot grad_output, swapped the inputs, used the
input where the output was meant, returned the forward value, ...).  A match turns
"expected 0.19, got 0.25" into an explanation.  The mistakes are classes, not
instances: each candidate is built from the op's own inputs, output and upstream
gradient, so any code making that mistake matches.
"""

from __future__ import annotations

import numpy as np

from grader import expected

FORGOT_UPSTREAM = ("you forgot the upstream gradient: your result equals the local derivative "
                   "d(output)/d(input) alone. backward must return dL/d(input) = grad_output "
                   "times that derivative (the chain rule).")
SWAPPED = ("the two gradients are swapped: the gradient you return for `{mine}` is the one "
           "that belongs to `{other}`. Return them in the order forward takes its inputs.")
FORWARD_VALUE = ("you returned the forward output (the op's value), not its gradient.")
PASS_THROUGH = ("you returned grad_output unchanged: it still has to be multiplied by the "
                "local derivative of the op.")
SIGN = "the sign is flipped: your gradient is exactly minus the right one."
ZERO = "your gradient is all zeros: is a saved value lost or overwritten?"
FACTOR = "your gradient is {k:g} times the right one: check for a stray constant factor."


def _candidates(op: str, inputs, g, i: int):
    """(explanation, wrong gradient for input i) pairs for ``op``."""
    a = np.asarray(inputs[0], dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    right = expected.gradients(op, inputs, g)
    ones = expected.gradients(op, inputs, np.ones_like(g))
    out = expected.forward(op, inputs)
    shape = np.shape(inputs[i])
    gx = g[..., None] if op == "dot" else g
    outx = out[..., None] if op == "dot" else out
    names = ("a", "b")
    cands = [
        (FORGOT_UPSTREAM, ones[i]),
        (PASS_THROUGH, np.broadcast_to(gx, shape)),
        (FORWARD_VALUE, np.broadcast_to(outx, shape)),
        (FORWARD_VALUE + " (times grad_output)", np.broadcast_to(gx * outx, shape)),
        (SIGN, -right[i]),
        (ZERO, np.zeros(shape)),
        (FACTOR.format(k=2), 2 * right[i]),
        (FACTOR.format(k=0.5), 0.5 * right[i]),
    ]
    if len(inputs) == 2:
        cands.insert(0, (SWAPPED.format(mine=names[i], other=names[1 - i]), right[1 - i]))
        own = np.asarray(inputs[i], dtype=np.float64)
        cands.append((f"the gradient for `{names[i]}` was computed from `{names[i]}` itself; "
                      f"it depends on the other input, `{names[1 - i]}`.", gx * own))
        cands.append((FORGOT_UPSTREAM + " (and the inputs are swapped)", ones[1 - i]))
    if op == "sigmoid":
        s = expected.sigmoid(a)
        ss = expected.sigmoid(s)
        cands += [
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
            cands += [
                ("you used the output log(a) where the input a was meant: d log(a)/da = 1/a.",
                 g / np.log(a)),
                ("you multiplied by a where you should divide: d log(a)/da = 1/a.", g * a),
                ("that is the derivative of 1/a, not of log(a).", -g / a**2),
            ]
    return cands


def explain(op: str, inputs, g, i: int, got: np.ndarray) -> str:
    """A sentence naming the mistake that produced ``got`` for input i, or ''."""
    got = np.asarray(got, dtype=np.float64)
    for text, wrong in _candidates(op, inputs, g, i):
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == got.shape and np.all(np.isfinite(wrong)) and np.allclose(
                got, wrong, rtol=1e-6, atol=1e-9):
            return text
    return ""
