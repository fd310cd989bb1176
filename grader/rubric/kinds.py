"""The kinds of check, each run on a list of cases.

Public and hidden tests call these same functions; they differ only in their cases
(hidden tests vary the inputs, never the kind of check), so when ``make test`` says
a kind passes, the hidden tests of that kind have nothing new to catch but inputs.
Every backward kind first asks whether the backward differentiates numerically
(grader/numerical.py): then it earns nothing, whatever its numbers.
"""

from __future__ import annotations

import contextlib

import numpy as np

from grader import checks, numerical
from grader.rubric.cases import Case
from grader.subject import CheckFailed, Subject
from hw3.registry import BY_NAME


def forward_values(sub: Subject, op: str, cases: list[Case]) -> None:
    for case in cases:
        checks.check_forward(sub, op, case.inputs, label=case.label)


def forward_extremes(sub: Subject, op: str, cases: list[Case]) -> None:
    spec = BY_NAME[op]
    for case in cases:
        checks.check_forward(sub, op, case.inputs, rtol=1e-6, atol=spec.extremes_atol,
                             label=case.label)
        checks.expect_no_warnings(sub, op, "forward", case.inputs)


def require_analytic(sub: Subject, op: str, probe_case: Case) -> None:
    """Fail when ``op``'s backward differentiates numerically (see grader/numerical.py)."""
    if op not in sub.evidence:
        sub.probe(op, probe_case.inputs, probe_case.g)
    message = numerical.verdict(op, sub.source(), sub.evidence.get(op, []))
    if message:
        raise CheckFailed(message, diagnosis="numerical" if "numerically (" in message
                          else "probe_replaced")


@contextlib.contextmanager
def analytic(sub: Subject, op: str, probe_case: Case):
    """A backward check, judged numerical before it runs (the probe) and after (what the
    worker saw its backward calls do), whether it passed or failed."""
    require_analytic(sub, op, probe_case)
    try:
        yield
    except CheckFailed:
        require_analytic(sub, op, probe_case)
        raise
    require_analytic(sub, op, probe_case)


def backward_fd(sub: Subject, op: str, cases: list[Case]) -> None:
    with analytic(sub, op, cases[0]):
        for case in cases:
            checks.check_backward_fd(sub, op, case.inputs, case.g, label=case.label)


def backward_exact(sub: Subject, op: str, cases: list[Case]) -> None:
    with analytic(sub, op, cases[0]):
        for case in cases:
            checks.check_backward_exact(sub, op, case, label=case.label)


def backward_extremes(sub: Subject, op: str, cases: list[Case]) -> None:
    with analytic(sub, op, cases[0]):
        for case in cases:
            checks.check_backward_exact(sub, op, case, label=case.label)
            checks.expect_no_warnings(sub, op, "forward/backward", case.inputs)


def backward_shapes(sub: Subject, op: str, cases: list[Case]) -> None:
    backward_exact(sub, op, cases)


def backward_state(sub: Subject, op: str, cases: dict[str, list[Case]]) -> None:
    """State kept where it should be: ``cases`` maps interleaved, row, twice,
    mutation and (ops with several inputs) same to their cases."""
    with analytic(sub, op, cases["row"][0]):
        _state(sub, op, cases)


def _state(sub: Subject, op: str, cases: dict[str, list[Case]]) -> None:
    _interleaved(sub, op, cases["interleaved"])
    for n, case in enumerate(cases["row"]):  # as in training: fresh arrays of one shape
        checks.check_backward_exact(sub, op, case,
                                    label=f" (call {n + 1} of {len(cases['row'])} in a row)")
    for case in cases["twice"]:
        result = checks.check_backward_exact(sub, op, case, label=case.label, twice=True)
        # The second backward gets -grad_output, so its answer must be exactly -first
        # (negation commutes with every rounding): one that keeps what it returned, or
        # changed what forward saved, shows.
        for i, (again, once) in enumerate(zip(result.grads_again, result.grads)):
            idx = checks.worst(again, -once, 0.0, 0.0)
            if idx is not None:
                w, o = checks.fmt_pair(-once[idx], again[idx])
                raise CheckFailed(
                    f"{op}.backward ran a second time on the same ctx with grad_output negated "
                    f"(backward twice on one graph, as loss.backward() twice does) and gave "
                    f"the wrong gradient of `{BY_NAME[op].inputs[i]}` at {list(idx)}: expected "
                    f"{w} (minus the first answer), got {o}. backward must compute from its "
                    "grad_output each time and leave what forward saved in ctx unchanged.",
                    diagnosis="repeat_backward")
        first = sub.backward(op, case.inputs, case.g)
        again = sub.backward(op, case.inputs, case.g)
        for i, (x, y) in enumerate(zip(first.grads, again.grads)):
            if not np.array_equal(x, y) or not np.array_equal(first.out, again.out):
                raise CheckFailed(
                    f"{op} gave different answers for the same inputs called twice "
                    f"(`{BY_NAME[op].inputs[i]}`): ops must not use randomness or state of "
                    "their own.", diagnosis="not_repeatable")
    for case in cases["mutation"]:
        checks.check_forward(sub, op, case.inputs, rtol=1e-6,
                             atol=BY_NAME[op].extremes_atol, label=case.label)
        checks.check_backward_exact(sub, op, case, label=case.label)
    for case in cases.get("same", ()):
        _same_tensor(sub, op, case)


def _interleaved(sub: Subject, op: str, cases: list[Case]) -> None:
    first, second = cases[0], cases[1]
    got, after = sub.interleaved(op, [first.inputs, second.inputs], [first.g, second.g])
    for case, inputs_after in zip((first, second), after):
        checks.check_not_mutated(case.inputs, inputs_after, f"{op}.forward/backward")
    for k, (case, grads) in enumerate(zip((first, second), got)):
        label = f" ({'first' if k == 0 else 'second'} of two calls made before either backward)"
        if k == 0:
            # what the first call's backward gives if it used the second call's values
            later = second.grads_for(op, first.g)
            for i, (got_i, want_i) in enumerate(zip(grads, case.grads)):
                if checks.worst(got_i, want_i, checks.VALUE_RTOL, checks.VALUE_ATOL) is not None \
                        and np.allclose(got_i, later[i], rtol=1e-6, atol=1e-9):
                    raise CheckFailed(
                        f"{op}: called twice (forward, forward, then both backwards), the "
                        f"gradient of `{BY_NAME[op].inputs[i]}` of the first call is the one "
                        "the second call's values give: its backward used the values saved by "
                        "the *later* call. Keep what backward needs in ctx (ctx.append(...)), "
                        "not in globals or class attributes, since many calls can be waiting "
                        "for their backward.", diagnosis="state_between_calls")
        checks.check_gradients(op, case.inputs, case.g, grads, case.grads, label, "expected")


def _same_tensor(sub: Subject, op: str, case: Case) -> None:
    """The same Tensor as every input, through edugrad: its gradient is the sum of the
    gradients of each input."""
    x = case.inputs[0]
    want = case.extra["same_grad"]
    _, grads = sub.graph(op, [x], [0] * len(BY_NAME[op].inputs), case.g)
    idx = checks.worst(grads[0], want, checks.VALUE_RTOL, checks.VALUE_ATOL)
    if idx is not None:
        w, o = checks.fmt_pair(want[idx], grads[0][idx])
        raise CheckFailed(
            f"{op}(x, x) with the same Tensor as every input: the gradient of x is wrong at "
            f"{list(idx)}: expected {w} (the sum of the gradients of the inputs), got {o}. "
            "Do not rely on the inputs being different arrays.", diagnosis="same_tensor")
