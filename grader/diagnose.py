"""Recognise the usual mistakes in a backward pass.

When a gradient is wrong, compare it with gradients computed the *wrong* ways
students typically compute them (forgot grad_output, swapped the inputs, used the
input where the output was meant, returned the forward value, ...).  A match turns
"expected 0.19, got 0.25" into an explanation.  The mistakes are classes, not
instances: each candidate is built from the op's own inputs, output and upstream
gradient, so any code making that mistake matches.

This file ships with the public tests, so the mistakes here are ones any op can
make.  The op-specific ones (``grader/mistakes.py``: "sigmoid's derivative from the
input instead of the output", ...) describe the right derivative in the course of
naming the wrong one, so they stay out of the student release and add to these
when instructors grade.
"""

from __future__ import annotations

import numpy as np

from grader import expected

try:  # op-specific mistakes; instructors only, since naming them spells out the derivatives
    from grader import mistakes as _specific
except ImportError:  # the student release
    _specific = None

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
    if _specific is not None:
        cands += _specific.candidates(op, inputs, g)
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
