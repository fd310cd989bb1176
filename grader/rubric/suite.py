"""Build the rubric's test functions from the registry: one per check, over its ops.

Public and hidden test files are the same call with other cases
(``globals().update(tests(cases, hidden))``), so a check's kind and its code are one
thing, and changing points or adding an op never touches a test file.  A check with
no points for an op has no test for it.
"""

from __future__ import annotations

import pytest

from grader import training
from grader.rubric import kinds, laws
from grader.rubric.cases import Cases
from hw3.registry import CHECKS, NAMES, points

# check key -> (kind function, the case kind it reads)
KINDS = {
    "forward_values": (kinds.forward_values, "values"),
    "forward_extremes": (kinds.forward_extremes, "extremes"),
    "backward_fd": (kinds.backward_fd, "fd"),
    "backward_exact": (kinds.backward_exact, "exact"),
    "backward_extremes": (kinds.backward_extremes, "extremes"),
    "backward_state": (kinds.backward_state, "state"),
    "backward_shapes": (kinds.backward_shapes, "shapes"),
    "laws": (laws.check, "laws"),
}


def _op_test(key: str, cases: Cases, hidden: bool):
    check, case_kind = KINDS[key]
    ops = [op for op in NAMES if points(key, op, hidden) > 0]
    if case_kind == "state":
        def test(sub, op):
            check(sub, op, cases.states(op))
    else:
        def test(sub, op):
            check(sub, op, cases.get(op, case_kind))
    test.__name__ = f"test_{key}"
    test = pytest.mark.parametrize("op", ops)(test)
    return pytest.mark.rubric(key)(test)


def _training_test(key: str, run: str):
    check = {"training_trajectory": training.check_trajectory,
             "training_neighbours": training.check_neighbours}[key]

    def test(sub):
        check(sub, run)

    test.__name__ = f"test_{key}"
    return pytest.mark.rubric(key)(test)


def tests(cases: Cases, hidden: bool, run: str) -> dict:
    """{test name: test function} for every check with points in this visibility;
    ``run`` is the training run the training checks use."""
    found = {}
    for check in CHECKS:
        if check.per_op and any(points(check.key, op, hidden) > 0 for op in NAMES):
            found[f"test_{check.key}"] = _op_test(check.key, cases, hidden)
        elif not check.per_op and points(check.key, None, hidden) > 0:
            found[f"test_{check.key}"] = _training_test(check.key, run)
    return found
