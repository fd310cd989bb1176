"""What backpropagation checks in every op's answer, and the messages it gives.

``run_backward`` calls one node's ``backward`` with a read-only ``grad_output`` and
hands the answer to ``check_gradients``: one gradient per input, each a floating
numpy array of its input's shape, finite where everything going in was finite.
Anything else raises ``BackwardError`` naming the op, the input, and what was
expected, so a mistake is reported where it was made, not three ops later.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edugrad.tensor import Tensor


class BackwardError(ValueError):
    """An operation's ``backward`` returned something backpropagation cannot use.

    ``kind`` says what: "in_place", "count" (not one gradient per input), "type" (not
    an array), "shape", "dtype" or "non_finite"."""

    def __init__(self, message: str, kind: str = ""):
        super().__init__(message)
        self.kind = kind


def run_backward(node: Tensor, grad_output: np.ndarray,
                 check_finite: bool = True) -> list[np.ndarray | None]:
    """Call ``node.op.backward`` and check its answer; one entry per parent.

    ``backward`` sees a read-only view of ``grad_output``: the same array may also be
    the gradient of other Tensors (``add`` hands it to both inputs), so changing it
    in place would silently corrupt theirs.
    """
    op = node.op
    frozen = grad_output.view()
    frozen.flags.writeable = False
    try:
        grads = op.backward(node.ctx, frozen)
    except ValueError as err:
        if "read-only" not in str(err):
            raise
        raise _fail(
            op,
            f"tried to change an array in place ({err}): most likely grad_output "
            "(e.g. `grad_output *= s`). grad_output must not be modified: the same array "
            "can also be the gradient of other Tensors, and changing it would corrupt theirs.",
            "compute a new array instead, e.g. `return (grad_output * s,)`.", "in_place") from err
    checked = check_gradients(op, node.parents, grads, frozen, check_finite)
    # A gradient passed straight through (like add's) is handed on writable; if it goes
    # to several inputs, each gets its own copy so no two inputs share one .grad array.
    handed_on = []
    for g in checked:
        if g is frozen:
            g = grad_output.copy() if any(h is grad_output for h in handed_on) else grad_output
        handed_on.append(g)
    return handed_on


def _describe_input(op, i: int) -> str:
    names = getattr(op, "input_names", ())
    return f"input {i} (`{names[i]}`)" if i < len(names) else f"input {i}"


def _fail(op, what: str, fix: str, kind: str) -> BackwardError:
    return BackwardError(f"{op.__name__}.backward {what}\n  How to fix: {fix}", kind)


def check_gradients(op, parents, grads, grad_output,
                    check_finite: bool = True) -> list[np.ndarray | None]:
    """Validate what ``op.backward`` returned for the inputs ``parents``.

    Accepts a tuple or a list (or a bare array when the op has one input).  Raises
    ``BackwardError`` with the op, the input, and expected vs. got when a gradient
    is missing, not an array, of the wrong shape, or (with ``check_finite``)
    non-finite where the input and upstream gradient were finite.
    """
    n = len(parents)
    if isinstance(grads, np.ndarray) or grads is None or np.isscalar(grads):
        if n == 1:
            grads = (grads,)
        else:
            got = "None" if grads is None else f"a single {type(grads).__name__}"
            raise _fail(
                op,
                f"returned {got}, but {op.__name__} has {n} inputs, so it must return "
                f"{n} gradients (one per input, in the order of forward's arguments).",
                "return a tuple, e.g. `return grad_a, grad_b`.", "count")
    elif not isinstance(grads, Sequence) or isinstance(grads, str):
        raise _fail(
            op,
            f"returned a {type(grads).__name__}; it must return a tuple with one "
            f"gradient per input ({n} here).",
            "return a tuple of numpy arrays, e.g. `return (grad_a,)`.", "type")
    if len(grads) != n:
        raise _fail(
            op,
            f"returned {len(grads)} gradient(s), but {op.__name__} has {n} input(s). "
            "There must be exactly one gradient per input, in the order forward takes them.",
            f"return {n} item(s); use None for an input that takes no gradient "
            "(only integer inputs such as indices).", "count")
    checked: list[np.ndarray | None] = []
    upstream_finite = None
    for i, (parent, g) in enumerate(zip(parents, grads)):
        floating = np.issubdtype(parent.value.dtype, np.floating)
        where = _describe_input(op, i)
        if not floating:
            checked.append(None)  # integer inputs (indices) take no gradient
            continue
        if g is None:
            raise _fail(
                op,
                f"returned None for {where}, a floating-point input of shape "
                f"{parent.value.shape}.  None means 'no gradient', which is only right for "
                "integer inputs such as indices.",
                "return dL/d(input): grad_output combined with the derivative of the output "
                "with respect to this input.", "count")
        if not isinstance(g, np.ndarray):
            if isinstance(g, (np.generic, float, int)) and parent.value.shape == ():
                g = np.asarray(g)
            else:
                raise _fail(
                    op,
                    f"returned a {type(g).__name__} for {where}; each gradient must be a "
                    f"numpy array of shape {parent.value.shape}.",
                    "build the gradient from numpy arrays (e.g. `grad_output * something`), "
                    "not from Python lists or Tensors.", "type")
        if g.shape != parent.value.shape:
            hint = _shape_hint(g.shape, parent.value.shape, np.shape(grad_output))
            raise _fail(
                op,
                f"returned a gradient of shape {g.shape} for {where}, expected "
                f"{parent.value.shape} (the shape of that input).{hint}",
                "a gradient always has exactly the shape of the input it belongs to.", "shape")
        if not np.issubdtype(g.dtype, np.floating):
            what = ("whole numbers, so any fraction was cut off" if np.issubdtype(
                g.dtype, np.integer) else "not real numbers")
            raise _fail(
                op,
                f"returned an array of dtype {g.dtype} for {where} ({what}); the gradient of "
                f"a floating-point input must be floating-point too ({parent.value.dtype}).",
                "compute the gradient with numpy arithmetic on float arrays (e.g. "
                "np.zeros_like(a), not np.zeros_like(indices) or integer division).", "dtype")
        if check_finite and not all_finite(g):
            if upstream_finite is None:
                upstream_finite = all_finite(grad_output)
            if upstream_finite and all(all_finite(p.value) for p in parents):
                bad = np.argwhere(~np.isfinite(g))[0]
                idx = tuple(int(j) for j in bad)
                raise _fail(
                    op,
                    f"returned {g[idx].item()} at index {idx} of the gradient for {where}, "
                    f"where that input is {parent.value[idx].item()!r} and every input and "
                    "grad_output were finite.",
                    "look for a division by something that is 0 there (an input, or an "
                    "output that underflowed) or an exp that overflows; write the derivative "
                    "with quantities that stay finite (the output forward saved, or the other "
                    "factor of a product).", "non_finite")
        checked.append(g)
    return checked


def all_finite(a) -> bool:
    """True when every element of ``a`` is a finite number (integers always are)."""
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.inexact):
        return True
    # One sum is much cheaper than isfinite() on every element; NaN and inf survive it.
    # Only if the sum overflows do we look element by element.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(a.sum()):
            return True
    return bool(np.isfinite(a).all())


def _shape_hint(got, expected, upstream) -> str:
    if got == tuple(upstream) and got != expected:
        return (
            f" It has the shape of grad_output {tuple(upstream)}: when the output is bigger "
            "than this input (broadcasting, copying, summing), sum grad_output over the "
            "axes that were expanded."
        )
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return " Same sizes in another order: is a transpose missing or extra?"
    return ""
