"""Recognise the usual mistakes in a backward pass, and name them by key.

When a gradient is wrong, compare it with gradients computed the *wrong* ways
students typically compute them (forgot grad_output, swapped the inputs, returned
the forward value, ...).  A match turns "expected 0.19, got 0.25" into an
explanation.  Each candidate is built from the op's inputs, its upstream gradient
and the right gradient (from the case being checked), so any code making that
mistake matches, and nothing here computes a derivative.

The mistakes here are ones any op can make.  Op-specific ones (which spell out the
right derivative while naming the wrong one) are added by the instructors' side
when it grades (``register``); students' ``make test`` does without them.  The keys
are what the catalogs' expectations name (tests/catalog/expected.json).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hw3.registry import BY_NAME

MISTAKES = {
    "forgot_upstream": "you forgot the upstream gradient: your result equals the local "
                       "derivative d(output)/d(input) alone. backward must return "
                       "dL/d(input) = grad_output times that derivative (the chain rule).",
    "pass_through": "you returned grad_output unchanged: it still has to be multiplied by "
                    "the local derivative of the op.",
    "forward_value": "you returned the forward output (the op's value), not its gradient.",
    "forward_value_times_upstream": "you returned grad_output times the forward output (the "
                                    "op's value), not times its derivative.",
    "sign": "the sign is flipped: your gradient is exactly minus the right one.",
    "zero": "your gradient is all zeros: is a saved value lost or overwritten?",
    "factor": "your gradient is {k:g} times the right one: check for a stray constant "
              "factor.",
    "swapped": "the gradient you return for `{mine}` is the right gradient of `{other}`: "
               "either the two are returned in the wrong order (return them in the order "
               "forward takes its inputs), or the formula for `{mine}` uses `{mine}` where "
               "`{other}` belongs.",
    "forgot_upstream_swapped": "you forgot the upstream gradient, and the gradient for "
                               "`{mine}` is the local derivative that belongs to `{other}`.",
}

# Extra candidates: fn(op, inputs, g, right, i) -> [(key, sentence, wrong gradient)]
_EXTRA: list[Callable] = []


def register(provider: Callable) -> None:
    """Add op-specific candidates (the instructors' mistake tables)."""
    if provider not in _EXTRA:
        _EXTRA.append(provider)


def local_derivative(op: str, g, right_i) -> np.ndarray:
    """d(output)/d(input), recovered from the right gradient and its upstream gradient."""
    g = np.asarray(g, dtype=np.float64)
    if BY_NAME[op].reduces_last_axis:
        g = g[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(right_i, dtype=np.float64) / g


def candidates(op: str, inputs, g, right, i: int):
    """(key, sentence, wrong gradient for input i) for ``op``."""
    spec = BY_NAME[op]
    g = np.asarray(g, dtype=np.float64)
    shape = np.shape(inputs[i])
    gx = g[..., None] if spec.reduces_last_axis else g
    out = spec.definition(*[np.asarray(x, dtype=np.float64) for x in inputs])
    outx = out[..., None] if spec.reduces_last_axis else out
    right_i = np.asarray(right[i], dtype=np.float64)
    found = [
        ("forgot_upstream", MISTAKES["forgot_upstream"], local_derivative(op, g, right_i)),
        ("pass_through", MISTAKES["pass_through"], np.broadcast_to(gx, shape)),
        ("forward_value", MISTAKES["forward_value"], np.broadcast_to(outx, shape)),
        ("forward_value_times_upstream", MISTAKES["forward_value_times_upstream"],
         np.broadcast_to(gx * outx, shape)),
        ("sign", MISTAKES["sign"], -right_i),
        ("zero", MISTAKES["zero"], np.zeros(shape)),
        ("factor", MISTAKES["factor"].format(k=2), 2 * right_i),
        ("factor", MISTAKES["factor"].format(k=0.5), 0.5 * right_i),
    ]
    if len(inputs) == 2:
        names = spec.inputs
        words = {"mine": names[i], "other": names[1 - i]}
        found.insert(0, ("swapped", MISTAKES["swapped"].format(**words), right[1 - i]))
        found.append(("forgot_upstream_swapped", MISTAKES["forgot_upstream_swapped"].format(
            **words), local_derivative(op, g, right[1 - i])))
    for provider in _EXTRA:
        found += provider(op, inputs, g, right, i)
    return found


def explain(op: str, inputs, g, right, i: int, got) -> tuple[str, str]:
    """(key, sentence) naming the mistake that produced ``got`` for input i, or ("", "").

    A mistake explains ``got`` only if it is wrong exactly where ``got`` is: with inputs
    of very different sizes, a gradient wrong in one element is not "all zeros" because
    its other elements are tiny."""
    got = np.asarray(got, dtype=np.float64)
    right_i = np.asarray(right[i], dtype=np.float64)
    wrong_at = _deviates(got, right_i)
    for key, text, wrong in candidates(op, inputs, g, right, i):
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == got.shape and np.all(np.isfinite(wrong)) and np.allclose(
                got, wrong, rtol=1e-6, atol=1e-9) and not np.allclose(
                got, right_i, rtol=1e-6, atol=1e-9) \
                and np.array_equal(_deviates(wrong, right_i), wrong_at):
            return key, text
    return "", ""


def _deviates(x, right) -> np.ndarray:
    """Where ``x`` differs from ``right`` by more than rounding, however small both are."""
    with np.errstate(invalid="ignore", over="ignore"):
        return ~(np.abs(x - right) <= 1e-6 * np.maximum(np.abs(x), np.abs(right)) + 1e-300)
