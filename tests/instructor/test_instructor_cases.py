"""The cases the checks use: drawn from the registry, answered by the solution, current."""

from __future__ import annotations

import numpy as np
import pytest

from edugrad.gradcheck import numerical_vjp
from grader.rubric import cases as case_files
from hw3.registry import NAMES, OPS
from instructor import cases


@pytest.fixture(scope="module")
def built():
    return {hidden: cases.build(hidden) for hidden in (False, True)}


def test_the_committed_public_cases_are_what_the_builder_makes_now(built):
    committed = case_files.load(case_files.PUBLIC)._arrays
    assert sorted(committed) == sorted(built[False])
    stale = [k for k in committed if not np.array_equal(committed[k], built[False][k])]
    assert not stale, f"rebuild with `python -m instructor cases`: {stale[:5]}"


def test_the_committed_hidden_cases_are_what_the_builder_makes_now(built):
    committed = case_files.load(cases.HIDDEN_PATH)._arrays
    assert sorted(committed) == sorted(built[True])
    assert all(np.array_equal(committed[k], built[True][k]) for k in committed)


@pytest.mark.parametrize("kind", ["values", "extremes", "fd", "exact", "shapes"])
def test_every_op_has_public_and_hidden_cases_of_each_kind(kind):
    for hidden_path in (case_files.PUBLIC, cases.HIDDEN_PATH):
        for op in NAMES:
            assert case_files.load(hidden_path).get(op, kind)


def test_hidden_cases_vary_the_inputs_of_the_public_ones():
    public, hidden = case_files.load(case_files.PUBLIC), case_files.load(cases.HIDDEN_PATH)
    for op in NAMES:
        for kind in ("extremes", "exact", "shapes"):
            seen = {c.inputs[0].tobytes() for c in public.get(op, kind)}
            assert not seen & {c.inputs[0].tobytes() for c in hidden.get(op, kind)}


@pytest.mark.parametrize("op", OPS, ids=NAMES)
def test_the_exact_gradients_agree_with_finite_differences_of_the_definition(op):
    for case in case_files.load().get(op.name, "exact"):
        numeric = numerical_vjp(lambda ctx, *x: op.definition(*x), case.inputs, case.g,
                                list(range(len(case.inputs))))
        for got, want in zip(case.grads, numeric):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_extreme_cases_have_finite_answers():
    for path in (case_files.PUBLIC, cases.HIDDEN_PATH):
        for op in NAMES:
            for case in case_files.load(path).get(op, "extremes"):
                assert all(np.all(np.isfinite(g)) for g in case.grads), (op, case.label)


@pytest.mark.parametrize("op", [op for op in OPS if op.tails], ids=lambda op: op.name)
def test_public_and_hidden_extremes_both_hold_every_tail_of_the_op(op):
    """What hidden tests check in the tails, make test checks too (a sigmoid that
    saturates past |a| > 30 once passed every public test)."""
    for path in (case_files.PUBLIC, cases.HIDDEN_PATH):
        seen = {float(v) for c in case_files.load(path).get(op.name, "extremes")
                for v in c.inputs[0].ravel()}
        missing = [t for t in op.tails if t not in seen]
        assert not missing, (path, missing)


@pytest.mark.parametrize("op", NAMES)
def test_public_and_hidden_cases_both_reach_5d_inputs_and_0d_ones_at_the_far_end(op):
    spec = next(o for o in OPS if o.name == op)
    far = max(hi for _, hi in spec.extremes)
    for path in (case_files.PUBLIC, cases.HIDDEN_PATH):
        loaded = case_files.load(path)
        assert any(c.inputs[0].ndim == 5 for c in loaded.get(op, "exact")), path
        assert any(np.all(np.abs(c.inputs[0]) >= cases.FAR * far) and c.inputs[0].ndim <= 1
                   for c in loaded.get(op, "extremes")), path
