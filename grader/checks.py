"""The checks the rubric tests are made of; each raises CheckFailed with feedback.

All judging happens here, in the grader's process, on arrays the sandbox sent back.
"""

from __future__ import annotations

import numpy as np

from edugrad.gradcheck import numerical_vjp
from grader import diagnose, expected
from grader.subject import INPUTS, CheckFailed, Subject

# Finite differences (float64, central, eps 1e-6): the truncation error is ~1e-12 and
# the rounding error ~1e-10 for the inputs we use, so these bounds (those of
# edugrad.gradcheck, tighter than torch.autograd.gradcheck's 1e-5/1e-3) only flag
# real disagreements.
FD_EPS, FD_ATOL, FD_RTOL = 1e-6, 1e-6, 1e-4
# Against closed forms: float64 rounding of any sensible formula (stable or naive
# sigmoid, tanh form, einsum or sum) stays far below these.
VALUE_RTOL, VALUE_ATOL = 1e-6, 1e-10


def fmt(x, digits: int = 6) -> str:
    x = float(x)
    if abs(x) < 1e6 and (x == 0 or abs(x) > 1e-4):
        return np.format_float_positional(x, precision=digits, unique=True, trim="-")
    return f"{x:.{digits}g}"


def fmt_pair(want, got) -> tuple[str, str]:
    """Expected and got, with enough digits that they do not read the same."""
    for digits in (6, 9, 12, 17):
        a, b = fmt(want, digits), fmt(got, digits)
        if a != b:
            break
    return a, b


def _at(arrays, names, idx, op) -> str:
    """'a = 0.3, b = -1.2' at the index of an output/gradient element."""
    parts = []
    for name, arr in zip(names, arrays):
        arr = np.asarray(arr)
        if arr.shape == ():
            parts.append(f"{name} = {fmt(arr)}")
        elif op == "dot" and len(idx) == arr.ndim - 1:
            vec = arr[idx]
            shown = ", ".join(fmt(v) for v in vec[:6]) + (", ..." if vec.size > 6 else "")
            parts.append(f"{name}{list(idx)} = [{shown}]")
        elif len(idx) == arr.ndim:
            parts.append(f"{name}{list(idx)} = {fmt(arr[idx])}")
    return ", ".join(parts)


def worst(got, want, rtol, atol):
    """Index of the element exceeding |got - want| <= atol + rtol |want| the most, or None."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    bad_nan = np.isnan(got) != np.isnan(want)
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.abs(got - want) - (atol + rtol * np.abs(want))
        same_inf = np.isinf(want) & (got == want)
    excess = np.where(same_inf, -1.0, excess)
    excess = np.where(bad_nan | (np.isnan(excess) & ~same_inf), np.inf, excess)
    if got.shape == ():
        return () if excess > 0 else None
    if not np.any(excess > 0):
        return None
    return tuple(int(k) for k in np.unravel_index(np.argmax(excess), excess.shape))


def check_forward(sub: Subject, op: str, inputs, rtol=VALUE_RTOL, atol=VALUE_ATOL,
                  label: str = "") -> np.ndarray:
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    got = sub.forward(op, *inputs)
    want = expected.forward(op, inputs)
    idx = worst(got, want, rtol, atol)
    if idx is not None:
        extra = ""
        if op == "sigmoid" and np.isnan(got[idx]):
            extra = (" NaN comes from inf/inf: for very negative a, exp(-a) overflows; use a "
                     "form that never exponentiates a large positive number.")
        elif op == "dot" and np.allclose(got, np.sum(want), rtol=1e-9):
            extra = " You summed over every axis; sum over the last axis only."
        w, o = fmt_pair(want[idx], got[idx])
        raise CheckFailed(
            f"{op}.forward gives a wrong value{label} at index {list(idx)} "
            f"(output shape {got.shape}): {_at(inputs, INPUTS[op], idx, op)}; expected "
            f"{w}, got {o}.{extra}")
    return got


def check_backward_reference(sub: Subject, op: str, inputs, g, label: str = ""):
    """The gradients must equal the closed-form dL/d(input); explain known mistakes."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    g = np.asarray(g, dtype=np.float64)
    result = sub.backward(op, inputs, g)
    want = expected.gradients(op, inputs, g)
    for i, (got_i, want_i) in enumerate(zip(result.grads, want)):
        idx = worst(got_i, want_i, VALUE_RTOL, VALUE_ATOL)
        if idx is None:
            continue
        name = INPUTS[op][i]
        why = diagnose.explain(op, inputs, g, i, got_i)
        gi = g[idx[:-1]] if op == "dot" else (g[idx] if g.shape else g)
        w, o = fmt_pair(want_i[idx], got_i[idx])
        raise CheckFailed(
            f"{op}.backward: the gradient of `{name}` is wrong{label} at index {list(idx)}: "
            f"{_at(inputs, INPUTS[op], idx, 'x')}, grad_output = {fmt(gi)}; expected "
            f"{w}, got {o}." + (f" It looks like {why}" if why else ""))
    return result


def check_backward_fd(sub: Subject, op: str, inputs, g, label: str = ""):
    """backward(g) must match central differences of the submission's OWN forward."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    g = np.asarray(g, dtype=np.float64)
    result = sub.backward(op, inputs, g)
    wrt = list(range(len(inputs)))
    # Pass 1 records every perturbed input numerical_vjp asks for; the sandbox
    # evaluates them in a few batched requests; pass 2 replays the outputs.
    asked: list[list[np.ndarray]] = []
    zero = np.zeros(expected.output_shape(op, inputs))

    def record(ctx, *arrays):
        asked.append([np.array(a) for a in arrays])
        return zero

    numerical_vjp(record, inputs, g, wrt, FD_EPS)
    outs = iter(sub.forward_many(op, asked))
    numeric = numerical_vjp(lambda ctx, *arrays: next(outs), inputs, g, wrt, FD_EPS)
    for i, (ana, num) in enumerate(zip(result.grads, numeric)):
        idx = worst(ana, num, FD_RTOL, FD_ATOL)
        if idx is None:
            continue
        name = INPUTS[op][i]
        why = diagnose.explain(op, inputs, g, i, ana)
        raise CheckFailed(
            f"{op}.backward disagrees with finite differences of your own forward{label}: "
            f"for `{name}`, worst element {list(idx)} (input value "
            f"{fmt(inputs[i][idx])}): your backward gave {fmt_pair(num[idx], ana[idx])[1]}, "
            f"finite differences give {fmt_pair(num[idx], ana[idx])[0]} (tolerance "
            f"{FD_ATOL:g} + {FD_RTOL:g} * |numeric|)."
            + (f" It looks like {why}" if why else ""))
    return result


def check_not_mutated(before, after, what: str) -> None:
    for i, (b, a) in enumerate(zip(before, after)):
        if not isinstance(a, np.ndarray) or a.shape != np.shape(b) or not np.array_equal(
                a, b, equal_nan=True):
            raise CheckFailed(
                f"{what} changed its input {i} in place. Ops must not modify their inputs "
                "(other parts of the graph still use them): compute a new array instead of "
                "using +=, *=, out=, or assigning into the input.")


def random_inputs(op: str, rng: np.random.Generator, shape) -> list[np.ndarray]:
    """Inputs in the op's domain, away from where finite differences are delicate."""
    if op == "sigmoid":
        return [rng.normal(0, 2, size=shape)]
    if op == "log":
        return [rng.uniform(0.3, 4.0, size=shape)]
    return [rng.normal(size=shape), rng.normal(size=shape)]


def upstream(op: str, rng: np.random.Generator, inputs) -> np.ndarray:
    return rng.normal(size=expected.output_shape(op, inputs))
