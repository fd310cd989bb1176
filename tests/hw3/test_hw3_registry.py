"""hw3/registry.py: the homework's ops and rubric, as data everything else reads."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hw3 import registry
from hw3.ops_loader import load_ops


def test_the_points_add_up_to_the_declared_total():
    assert registry.problems() == []
    assert registry.total() == registry.TOTAL == 100


def test_public_and_hidden_points_are_sixty_and_forty():
    assert (registry.total(hidden=False), registry.total(hidden=True)) == (60, 40)


def test_a_total_that_is_not_the_declared_one_is_named_with_both_numbers(monkeypatch):
    changed = tuple(dataclasses.replace(c, public=c.public + 4) if c.key == "laws" else c
                    for c in registry.CHECKS)
    monkeypatch.setattr(registry, "CHECKS", changed)
    monkeypatch.setattr(registry, "CHECKS_BY_KEY", {c.key: c for c in changed})
    (problem,) = registry.problems()
    assert "add up to 116" in problem and "TOTAL is 100" in problem, problem


def test_points_for_an_unknown_check_are_a_problem(monkeypatch):
    ops = (dataclasses.replace(registry.OPS[0], points={"no_such_check": (1, 0)}),
           *registry.OPS[1:])
    monkeypatch.setattr(registry, "OPS", ops)
    assert any("no_such_check" in p for p in registry.problems())


def test_an_op_can_override_its_points_for_one_check():
    assert registry.points("backward_state", "multiply", hidden=True) == 2
    assert registry.points("backward_state", "dot", hidden=True) == 1


def test_items_come_op_by_op_then_training():
    ops = [op or "training" for _, op, _, _ in registry.items()]
    order = [*registry.NAMES, "training"]
    assert ops == sorted(ops, key=order.index)


@pytest.mark.parametrize("op", registry.OPS, ids=registry.NAMES)
def test_each_definition_is_what_the_reference_forward_computes(op):
    solution = getattr(load_ops("solution"), op.name).op_class
    inputs = op.sample(np.random.default_rng(0), (3, 4))
    from edugrad.operation import Context

    got = solution.forward(Context(), *inputs)
    np.testing.assert_allclose(op.definition(*inputs), got, rtol=1e-13, atol=0)


@pytest.mark.parametrize("op", registry.OPS, ids=registry.NAMES)
def test_definitions_stay_finite_and_quiet_at_the_extremes(op):
    ranges = np.array(op.extremes, dtype=np.float64)
    x = np.concatenate([ranges.ravel(), -ranges.ravel()]) if op.signed else ranges.ravel()
    inputs = [x[: len(x) // 2 * 2].reshape(-1, 2)] * len(op.inputs) if op.reduces_last_axis \
        else [x] * len(op.inputs)
    with np.errstate(all="raise", under="ignore"):
        out = op.definition(*[np.abs(v) if op.name in ("log", "dot") else v for v in inputs])
    assert np.all(np.isfinite(out)), out


def test_output_shapes_follow_the_rule():
    assert registry.BY_NAME["dot"].output_shape((2, 3, 4)) == (2, 3)
    assert registry.BY_NAME["multiply"].output_shape((2, 3, 4)) == (2, 3, 4)
