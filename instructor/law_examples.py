"""The examples the law tests judge, drawn by hypothesis once, when the cases are built.

``python -m instructor cases`` stores them with the other cases, so grading replays
data (no hypothesis engine in any grade) and every grade, `make test` and the bundle
alike, judges the same examples.  Each example: a shape, the op's inputs of that
shape (at least two, for the two-input laws), a scalar ``c`` in [-4, 4], and for an op
with the ``swap_gradients`` law an upstream gradient ``g``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hw3.registry import Op

EXAMPLES = 12  # per op
# No shrinking and no example database: the examples are the first ones hypothesis
# generates from the seed, whatever the machine.
DRAWING = settings(max_examples=EXAMPLES, derandomize=False, deadline=None, database=None,
                   phases=(Phase.explicit, Phase.generate),
                   suppress_health_check=list(HealthCheck), print_blob=False)


def _draw_from_the_strategies_alone() -> None:
    """Recent hypothesis versions also draw numbers they find written in the source of the
    local modules imported so far, so the examples would change with any edit of the
    repository; turned off, they depend on the seed, the strategies and the hypothesis
    version only."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without that module
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        none = providers.Constants()
        providers._get_local_constants = lambda: none


def shapes(min_dims=1, max_dims=4, max_side=4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def arrays(shape, lo, hi):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False,
                                                              allow_infinity=False))


def draw(op: Op, stream: int) -> list[dict]:
    """``op``'s examples, from the seed ``stream``: [{"inputs", "c", "g" (or None)}]."""
    _draw_from_the_strategies_alone()
    lo, hi = op.span
    found: list[dict] = []

    @DRAWING
    @seed(stream)
    @given(data=st.data())
    def record(data):
        shape = data.draw(shapes())
        example = {"inputs": [data.draw(arrays(shape, lo, hi))
                              for _ in range(max(2, len(op.inputs)))],
                   "c": data.draw(st.floats(-4, 4)), "g": None}
        found.append(example)
        if "swap_gradients" in op.laws:  # drawn last, as the laws use it last
            example["g"] = data.draw(arrays(op.output_shape(shape), -10, 10))

    record()
    return found
