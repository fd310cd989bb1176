"""The homework as data: its ops and its rubric.  Everything else iterates over these.

``OPS`` names the operations students write (inputs, what forward computes, where
their inputs live, which laws they obey); ``CHECKS`` names the kinds of check the
grader makes, with their category and points (public and hidden); ``TOTAL`` is what
all points must add up to.  The ops loader, the hand-in, the sandbox's worker, the
grader's checks and expected values, the rubric's tests, the feedback and the
handout's tables are all derived from this file.

To add an op (say ``tanh``): append an ``Op`` below, stub it in ``starter/ops.py``,
solve it in ``instructor/solution/ops.py``, describe it in ``hw3/README.md``, then
rebalance the points (or ``TOTAL``) and rebuild the grader's cases
(``python -m instructor cases``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Op:
    """One operation of the homework.

    ``definition`` is what forward must compute, as the grader evaluates it (float64,
    finite wherever the true value is).  ``typical`` draws everyday inputs (for
    values and gradients), ``span`` bounds the inputs of property tests, and
    ``extremes`` lists magnitude ranges where the answer is still finite and no
    warning may be raised (large magnitudes, tails, tiny values); ``tails`` are inputs
    every set of extreme cases holds, public and hidden alike: where a shortcut
    (saturating, clamping, dividing by an input) first gives a wrong answer.
    """

    name: str
    inputs: tuple[str, ...]
    formula: str
    definition: Callable[..., np.ndarray]
    typical: tuple[str, float, float]          # ("normal", mean, sd) or ("uniform", lo, hi)
    span: tuple[float, float]
    extremes: tuple[tuple[float, float], ...]  # |x| ranges, drawn log-uniformly
    signed: bool = True                        # extremes of both signs
    reduces_last_axis: bool = False            # output shape: (...) from inputs (..., d)
    laws: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None  # for the "bounded" law
    extremes_atol: float = 1e-300              # absolute slack of forward at extremes
    tails: tuple[float, ...] = ()              # first input's values in every extremes set
    points: dict[str, tuple[float, float]] = field(default_factory=dict)  # per-op overrides

    def output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(shape[:-1]) if self.reduces_last_axis else tuple(shape)

    def sample(self, rng: np.random.Generator, shape) -> list[np.ndarray]:
        """Everyday inputs of ``shape`` (one array per input)."""
        kind, p, q = self.typical
        draw = rng.normal if kind == "normal" else rng.uniform
        return [np.asarray(draw(p, q, size=shape), dtype=np.float64) for _ in self.inputs]


def _sigmoid(a):
    """1 / (1 + e^-a), from e^-|a| <= 1 so that nothing overflows at any a."""
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def _log(a):
    return np.log(a)


def _multiply(a, b):
    return a * b


def _dot(a, b):
    return np.sum(a * b, axis=-1)


OPS: tuple[Op, ...] = (
    Op("sigmoid", ("a",), "1 / (1 + exp(-a))", _sigmoid, ("normal", 0.0, 2.0), (-30.0, 30.0),
       extremes=((20.0, 1000.0),), laws=("complement", "bounded", "increasing"),
       bounds=(0.0, 1.0), extremes_atol=2.3e-16,
       tails=(-24.5, -28.0, -31.5, -35.0, 24.5, 28.0, 31.5, 35.0)),
    Op("log", ("a",), "natural log of a, for a > 0", _log, ("uniform", 0.3, 4.0),
       (1e-3, 1e3), extremes=((1e-300, 1e-6), (1e6, 1e300)), signed=False,
       laws=("log_product", "zero_at_one"), tails=(1e-306,)),
    Op("multiply", ("a", "b"), "a * b, elementwise", _multiply, ("normal", 0.0, 1.0),
       (-10.0, 10.0), extremes=((1e-150, 1e150),), laws=("commutes", "unit", "swap_gradients"),
       points={"backward_state": (1, 2)}, tails=(0.0,)),
    Op("dot", ("a", "b"), "sum over the last axis of a * b", _dot, ("normal", 0.0, 1.0),
       (-10.0, 10.0), extremes=((1e-150, 1e150),), reduces_last_axis=True,
       laws=("commutes", "sum_of_products", "homogeneous"), tails=(0.0,)),
)

BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


@dataclass(frozen=True)
class Check:
    """A kind of check: per op (``per_op``) or of training; points (public, hidden)."""

    key: str
    category: str   # forward | backward | properties | training
    public: float
    hidden: float
    title: str
    per_op: bool = True


CATEGORIES = ("forward", "backward", "properties", "training")

CHECKS: tuple[Check, ...] = (
    Check("forward_values", "forward", 2, 0,
          "forward on hand-picked values and random 1-D to 5-D inputs"),
    Check("forward_extremes", "forward", 1, 2,
          "forward at large magnitudes, tails, tiny values and 0-d inputs: finite, no "
          "warning, inputs unchanged, float64 kept"),
    Check("backward_fd", "backward", 3, 0,
          "backward agrees with finite differences of your own forward"),
    Check("backward_exact", "backward", 2, 0,
          "backward gives the exact dL/d(input) on 1-D to 5-D inputs"),
    Check("backward_extremes", "backward", 1, 2,
          "backward at large magnitudes, tails, tiny values and 0-d inputs: exact, finite, "
          "no warning"),
    Check("backward_state", "backward", 1, 1,
          "calls keep their own state: two calls interleaved, calls in a row, backward "
          "twice on one graph, the same Tensor as every input; nothing changed in place"),
    Check("backward_shapes", "backward", 1, 2,
          "backward on random shapes and values"),
    Check("laws", "properties", 2, 0,
          "laws the op obeys, on random shapes and values (hypothesis)"),
    Check("training_trajectory", "training", 6, 7,
          "word2vec trained with your ops follows the reference loss curve", False),
    Check("training_neighbours", "training", 2, 4,
          "after that run, nearest neighbours group words of a class as the reference's do",
          False),
)

CHECKS_BY_KEY: dict[str, Check] = {c.key: c for c in CHECKS}
TOTAL = 100


def points(key: str, op: str | None, hidden: bool) -> float:
    """Points of check ``key`` for ``op`` (None for training), public or hidden."""
    check = CHECKS_BY_KEY[key]
    pair = (check.public, check.hidden)
    if op is not None:
        pair = BY_NAME[op].points.get(key, pair)
    return float(pair[1] if hidden else pair[0])


def items(hidden: bool | None = None) -> list[tuple[Check, str | None, bool, float]]:
    """Every graded item (check, op or None, hidden, points > 0), in rubric order:
    op by op (forward, backward, properties), then training; public before hidden."""
    found = []
    for op in (*NAMES, None):
        for check in CHECKS:
            if check.per_op != (op is not None):
                continue
            for secret in (False, True):
                if hidden is not None and secret != hidden:
                    continue
                value = points(check.key, op, secret)
                if value > 0:
                    found.append((check, op, secret, value))
    return found


def total(hidden: bool | None = None) -> float:
    return sum(p for *_, p in items(hidden))


def problems() -> list[str]:
    """What is wrong with the data above (empty when it is consistent)."""
    found = []
    for op in OPS:
        for key in op.points:
            if key not in CHECKS_BY_KEY:
                found.append(f"op {op.name}: points for unknown check {key!r}")
    for check in CHECKS:
        if check.category not in CATEGORIES:
            found.append(f"check {check.key}: unknown category {check.category!r}")
    if abs(total() - TOTAL) > 1e-9:
        found.append(f"the points add up to {total():g}, but TOTAL is {TOTAL:g}: change "
                     "points in hw3/registry.py (CHECKS, or an Op's points) or TOTAL")
    return found
