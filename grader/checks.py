"""The checks the rubric is made of; each raises CheckFailed with feedback.

All judging happens here, in the grader's process, on arrays the sandbox sent back.
Expected forward values come from the registry's definitions; expected gradients
from the cases (grader/rubric/cases.py), never from a derivative computed here.
"""

from __future__ import annotations

import numpy as np

from edugrad.gradcheck import numerical_vjp
from grader import diagnose
from grader.subject import CheckFailed, Subject
from hw3.registry import BY_NAME

# Finite differences (float64, central, eps 1e-6): the truncation error is ~1e-12 and
# the rounding error ~1e-10 for the inputs used, so these bounds (those of
# edugrad.gradcheck) only flag real disagreements.
FD_EPS, FD_ATOL, FD_RTOL = 1e-6, 1e-6, 1e-4
# Against exact values: float64 rounding of any sensible formula stays far below these
# (measured: correct variants in the catalog agree to ~1e-14), while arithmetic done in
# float32 somewhere inside an op is off by ~1e-7.
VALUE_RTOL, VALUE_ATOL = 1e-9, 1e-10
SNIPPET_MAX_ELEMENTS = 24  # inputs this small are printed whole in the snippet


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


def at(op: str, arrays, idx) -> str:
    """'a = 0.3, b = -1.2' at the index of an output or gradient element."""
    spec = BY_NAME[op]
    parts = []
    for name, arr in zip(spec.inputs, arrays):
        arr = np.asarray(arr)
        if arr.shape == ():
            parts.append(f"{name} = {fmt(arr)}")
        elif spec.reduces_last_axis and len(idx) == arr.ndim - 1:
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


def upstream_at(op: str, g, idx) -> float:
    """The upstream gradient that reaches gradient element ``idx``."""
    g = np.asarray(g)
    if g.shape == ():
        return float(g)
    return float(g[idx[:-1]] if BY_NAME[op].reduces_last_axis else g[idx])


def expected_forward(op: str, inputs) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(BY_NAME[op].definition(*[np.asarray(x, dtype=np.float64)
                                                   for x in inputs]), dtype=np.float64)


PATTERNS = {
    "float32": "your wrong values are all float32 numbers: some arithmetic inside the op runs "
               "in float32 (np.float32, astype, dtype=...), which keeps only about 7 digits; "
               "keep float64 throughout.",
    "tiny_inputs": "it is right everywhere but where an input is tiny (|x| <= 1e-6): look at "
                   "what your code does there (an epsilon added for safety, or a clip, would "
                   "do this; the exact formula needs neither).",
    "tails": "it is right everywhere but where an input is large (|x| >= 20): look at what "
             "your code does there (a clip or a cutoff would do this).",
}


def pattern(inputs, got, want, rtol, atol) -> str:
    """The key of a tell-tale pattern in where and how ``got`` is wrong, or ''."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    with np.errstate(all="ignore"):
        bad = ~(np.abs(got - want) <= atol + rtol * np.abs(want))
        rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
    if not bad.any() or not np.all(np.isfinite(got)):
        return ""
    as32 = got[bad].astype(np.float32).astype(np.float64)
    if np.all(as32 == got[bad]) and np.all(rel[bad] <= 1e-4) \
            and np.any(want[bad].astype(np.float32).astype(np.float64) != want[bad]):
        return "float32"
    size = next((np.abs(np.asarray(x, dtype=np.float64)) for x in inputs
                 if np.shape(x) == bad.shape), None)
    if size is not None and np.all(size[bad] <= 1e-6) and np.any(size[~bad] > 1e-6):
        return "tiny_inputs"
    if size is not None and np.all(size[bad] >= 20) and np.any(size[~bad] < 20):
        return "tails"
    return ""


def check_forward(sub: Subject, op: str, inputs, rtol=VALUE_RTOL, atol=VALUE_ATOL,
                  label: str = "") -> np.ndarray:
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    got, after = sub.forward_with_inputs(op, *inputs)
    check_not_mutated(inputs, after, f"{op}.forward")
    want = expected_forward(op, inputs)
    idx = worst(got, want, rtol, atol)
    if idx is not None:
        extra, key = "", ""
        if BY_NAME[op].reduces_last_axis and want.size > 1 and np.allclose(
                got, np.sum(want), rtol=1e-9) and not np.allclose(want, np.sum(want), rtol=1e-9):
            extra, key = " You summed over every axis; sum over the last axis only.", "sum_all"
        elif np.isnan(got[idx]):
            extra, key = (" NaN comes from inf/inf or inf - inf: an intermediate value "
                          "overflowed; compute it in a form that stays finite.", "overflow")
        else:
            key = pattern(inputs, got, want, rtol, atol)
            extra = f" It looks like {PATTERNS[key]}" if key else ""
        w, o = fmt_pair(want[idx], got[idx])
        raise CheckFailed(
            f"{op}.forward gives a wrong value{label} at index {list(idx)} "
            f"(output shape {got.shape}): {at(op, inputs, idx)}; expected {w}, got {o}."
            + extra, diagnosis=key)
    return got


def check_gradients(op: str, inputs, g, got, want, label: str, against: str) -> None:
    """Each gradient in ``got`` must equal ``want``; explain known mistakes."""
    spec = BY_NAME[op]
    for i, (got_i, want_i) in enumerate(zip(got, want)):
        idx = worst(got_i, want_i, VALUE_RTOL, VALUE_ATOL)
        if idx is None:
            continue
        key, why = diagnose.explain(op, inputs, g, want, i, got_i)
        if not key:
            key = pattern([inputs[i]] if not spec.reduces_last_axis else inputs, got_i, want_i,
                          VALUE_RTOL, VALUE_ATOL)
            why = PATTERNS.get(key, "")
        w, o = fmt_pair(want_i[idx], got_i[idx])
        raise CheckFailed(
            f"{op}.backward: the gradient of `{spec.inputs[i]}` is wrong{label} at index "
            f"{list(idx)}: {at(op, inputs, idx)}, grad_output there = "
            f"{fmt(upstream_at(op, g, idx))}; {against} {w}, got {o}."
            + (f" It looks like {why}" if why else ""), diagnosis=key)


def check_backward_exact(sub: Subject, op: str, case, label: str = "", twice: bool = False):
    """backward(case.g) must give the case's exact gradients; inputs, grad_output and
    the output must be left as they were (a change there is reported first: it is the
    cause of any wrong number that follows), and a wrong answer that repeats what an
    earlier call returned for other inputs is state kept between calls."""
    inputs = [np.asarray(x, dtype=np.float64) for x in case.inputs]
    g = np.asarray(case.g, dtype=np.float64)
    result = sub.backward(op, inputs, g, twice=twice)
    check_not_mutated(inputs, result.inputs_after, f"{op}.forward/backward")
    check_not_mutated([g], [result.grad_output_after], f"{op}.backward (grad_output)",
                      key="mutates_grad_output")
    if result.out_after is not None:
        idx = worst(result.out_after, result.out, 0.0, 0.0)
        if idx is not None:
            raise CheckFailed(
                f"{op}.backward changed the array that forward returned, in place (at index "
                f"{list(idx)}): that array is the op's output, which later ops use as their "
                "input. Compute the gradient in a new array (x * y makes one; x *= y does "
                "not).", diagnosis="mutates_output")
    expect_fresh_answer(sub, op, inputs, result.grads, case.grads, label)
    check_gradients(op, inputs, g, result.grads, case.grads, label, "expected")
    return result


def expect_fresh_answer(sub: Subject, op: str, inputs, got, want, label: str) -> None:
    wrong = any(worst(x, y, VALUE_RTOL, VALUE_ATOL) is not None for x, y in zip(got, want))
    if wrong and sub.earlier_answer(op, inputs, got):
        raise CheckFailed(
            f"{op}.backward{label} returned exactly what an earlier call returned for other "
            "inputs: it keeps state between calls (a cache by shape or by id(), a global). "
            "Each call must compute from its own ctx.", diagnosis="state_between_calls")


def check_backward_fd(sub: Subject, op: str, inputs, g, label: str = ""):
    """backward(g) must match central differences of the submission's OWN forward."""
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    g = np.asarray(g, dtype=np.float64)
    result = sub.backward(op, inputs, g)
    check_not_mutated(inputs, result.inputs_after, f"{op}.forward/backward")
    wrt = list(range(len(inputs)))
    # Pass 1 records every perturbed input numerical_vjp asks for; the sandbox
    # evaluates them in a few batched requests; pass 2 replays the outputs.
    asked: list[list[np.ndarray]] = []
    zero = np.zeros(BY_NAME[op].output_shape(inputs[0].shape))

    def record(ctx, *arrays):
        asked.append([np.array(a) for a in arrays])
        return zero

    numerical_vjp(record, inputs, g, wrt, FD_EPS)
    outs = iter(sub.forward_many(op, asked))
    numeric = numerical_vjp(lambda ctx, *arrays: next(outs), inputs, g, wrt, FD_EPS)
    spec = BY_NAME[op]
    expect_fresh_answer(sub, op, inputs, result.grads, numeric, label)
    for i, (ana, num) in enumerate(zip(result.grads, numeric)):
        idx = worst(ana, num, FD_RTOL, FD_ATOL)
        if idx is None:
            continue
        key, why = diagnose.explain(op, inputs, g, numeric, i, ana)
        num_s, ana_s = fmt_pair(num[idx], ana[idx])
        raise CheckFailed(
            f"{op}.backward disagrees with finite differences of your own forward{label}: "
            f"for `{spec.inputs[i]}`, worst element {list(idx)} (input value "
            f"{fmt(inputs[i][idx])}, grad_output there {fmt(upstream_at(op, g, idx))}): your "
            f"backward gave {ana_s}, finite differences give {num_s} (tolerance "
            f"{FD_ATOL:g} + {FD_RTOL:g} * |numeric|)."
            + (f" It looks like {why}" if why else "") + "\n" + snippet(op, inputs, g),
            diagnosis=key)
    return result


def snippet(op: str, inputs, g) -> str:
    """Lines a student can paste into a Python shell (in the homework folder) to see
    the same comparison with edugrad's checker."""
    names = BY_NAME[op].inputs
    small = all(np.size(x) <= SNIPPET_MAX_ELEMENTS for x in (*inputs, g))

    def literal(x) -> str:
        return f"np.array({np.asarray(x).tolist()!r})"

    if small:
        values = [f"{n} = {literal(x)}" for n, x in zip(names, inputs)] + [f"g = {literal(g)}"]
    else:  # too big to print: the same shapes, other numbers (the check itself differs)
        values = [f"{n} = rng.normal(size={np.shape(x)})" for n, x in zip(names, inputs)]
        values = ["rng = np.random.default_rng(0)", *values,
                  f"g = rng.normal(size={np.shape(g)})"]
    return ("To check it yourself, paste into .venv/bin/python (started in the homework "
            "folder):\n"
            "    import numpy as np\n"
            "    from edugrad.gradcheck import gradcheck\n"
            f"    from starter.ops import {op}\n"
            + "".join(f"    {line}\n" for line in values)
            + f"    print(gradcheck({op}, {', '.join(names)}, upstream=g))")


def check_not_mutated(before, after, what: str, key: str = "mutates_input") -> None:
    for i, (b, a) in enumerate(zip(before, after or [None] * len(before))):
        if not isinstance(a, np.ndarray) or a.shape != np.shape(b) or not np.array_equal(
                a, b, equal_nan=True):
            name = ("grad_output" if key == "mutates_grad_output" else
                    f"its input {i}")
            raise CheckFailed(
                f"{what} changed {name} in place. Ops must not modify their inputs or "
                "grad_output (other parts of the graph still use them): compute a new "
                "array instead of using +=, *=, out=, or assigning into it.", diagnosis=key)


def expect_no_warnings(sub: Subject, op: str, what: str, inputs) -> None:
    if sub.warnings:
        shown = "; ".join(np.array2string(np.asarray(x), threshold=8, precision=4)
                          for x in inputs)
        raise CheckFailed(
            f"{op}.{what} warned on inputs {shown}: {sub.warnings[0]}. The answer is finite "
            "there, so compute it without overflowing or dividing by zero (e.g. never "
            "exponentiate a large positive number).", diagnosis="warning")


def expect_finite(op: str, grads, inputs) -> None:
    for i, grad in enumerate(grads):
        bad = ~np.isfinite(grad)
        if bad.any():
            idx = tuple(int(k) for k in np.argwhere(bad)[0]) if np.ndim(grad) else ()
            zeros = [name for name, x in zip(BY_NAME[op].inputs, inputs)
                     if np.shape(x) == np.shape(grad) and np.asarray(x)[idx] == 0]
            where = (f"{list(idx)}, where every input is finite ({at(op, inputs, idx)}): the "
                     "right gradient is finite there.")
            if zeros:
                raise CheckFailed(
                    f"{op}.backward returned {grad[idx]} for `{BY_NAME[op].inputs[i]}` at index "
                    f"{where} `{zeros[0]}` is 0 there: does your backward divide by it? The "
                    "derivative needs no division by an input that can be 0.")
            raise CheckFailed(
                f"{op}.backward returned {grad[idx]} for `{BY_NAME[op].inputs[i]}` at index "
                f"{where} Look for inf/inf, 0 * inf or an overflowing exp, and use the forward "
                "output saved in ctx.", diagnosis="overflow")
