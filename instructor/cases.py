"""Build the grader's cases (inputs and exact answers) from the registry and the solution.

    python -m instructor cases          # rewrites grader/rubric/cases.npz and
                                        # instructor/hidden/cases.npz

Public and hidden cases are drawn the same way, each kind from its own seeded
stream, so hidden tests vary the inputs and never the kind of check.  The exact
gradients are the reference solution's (instructor/solution/ops.py), which
tests/instructor checks against finite differences of the registry's definitions.
Run it after changing an op in the registry or the solution; commit the result.
"""

from __future__ import annotations

import os

import numpy as np

from edugrad.operation import Context
from grader.rubric import cases as case_files
from hw3.registry import OPS, Op, points

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN_PATH = os.path.join(HERE, "hidden", "cases.npz")
SEEDS = {False: 575, True: 8_349_187}  # public, hidden
SHAPES = {False: [(5,), (3, 4), (2, 3, 4), (2, 1, 3, 2), (2, 1, 2, 1, 3)],
          True: [(7,), (4, 3), (3, 2, 2), (1, 2, 2, 3), (1, 2, 1, 2, 2)]}
RANDOM_SHAPES = {False: 8, True: 20}   # cases of the backward_shapes check
EXTREMES_PER_CASE = 8
FAR = 0.75  # 0-d extreme inputs lie within the top quarter of the op's largest magnitude


def solution():
    from hw3.ops_loader import load_ops

    return load_ops("solution")


class _Builder:
    def __init__(self, hidden: bool, ops_module):
        self.hidden = hidden
        self.ops = ops_module
        self.arrays: dict[str, np.ndarray] = {}

    def rng(self, op: Op, kind: str) -> np.random.Generator:
        tag = [ord(c) for c in f"{op.name}/{kind}"]
        return np.random.default_rng([SEEDS[self.hidden], *tag])

    def answer(self, op: Op, inputs, g):
        op_class = getattr(self.ops, op.name).op_class
        ctx = Context()
        op_class.forward(ctx, *[np.array(x) for x in inputs])
        grads = op_class.backward(ctx, np.array(g))
        grads = grads if isinstance(grads, (tuple, list)) else (grads,)
        return [np.asarray(x, dtype=np.float64) for x in grads]

    def add(self, op: Op, kind: str, inputs, label: str, rng, with_grads=True, **extra):
        n = 0
        while f"{op.name}.{kind}.{n}.label" in self.arrays:
            n += 1
        prefix = f"{op.name}.{kind}.{n}."
        inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
        g = rng.normal(size=op.output_shape(inputs[0].shape))
        for i, x in enumerate(inputs):
            self.arrays[f"{prefix}in{i}"] = x
        self.arrays[f"{prefix}g"] = g
        if with_grads:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                for i, grad in enumerate(self.answer(op, inputs, g)):
                    self.arrays[f"{prefix}grad{i}"] = grad
        for key, value in extra.items():
            self.arrays[prefix + key] = np.asarray(value)
        self.arrays[f"{prefix}label"] = np.asarray(label)
        return inputs, g

    def extremes(self, op: Op, rng, shape) -> list[np.ndarray]:
        """Magnitudes drawn log-uniformly from the op's extreme ranges.  For an op that
        sums, every product has one sign: a sum that cancels to ~0 would test rounding,
        not the op.  The first set of each visibility also holds the op's tails
        (``with_tails``)."""
        out = []
        ranges = np.array(op.extremes)
        signs = rng.choice([-1.0, 1.0], size=shape) if op.signed else np.ones(shape)
        for _ in op.inputs:
            pick = rng.integers(len(ranges), size=shape)
            logs = rng.uniform(np.log10(ranges[pick, 0]), np.log10(ranges[pick, 1]))
            if not op.reduces_last_axis and op.signed:
                signs = rng.choice([-1.0, 1.0], size=shape)
            out.append(signs * 10.0 ** logs)
        return out

    def build(self) -> dict[str, np.ndarray]:
        for op in OPS:
            self.values(op)
            self.extreme_cases(op)
            for kind in ("fd", "exact"):
                rng = self.rng(op, kind)
                for shape in SHAPES[self.hidden]:
                    self.add(op, kind, op.sample(rng, shape), f" (inputs of shape {shape})", rng,
                             with_grads=kind == "exact")
            rng = self.rng(op, "shapes")
            lo, hi = op.span
            for _ in range(RANDOM_SHAPES[self.hidden]):
                shape = tuple(int(s) for s in rng.integers(1, 5, size=rng.integers(1, 5)))
                self.add(op, "shapes", [rng.uniform(lo, hi, size=shape) for _ in op.inputs],
                         f" (inputs of shape {shape})", rng)
            self.states(op)
            if op.laws and points("laws", op.name, self.hidden) > 0:
                self.law_examples(op)
        return self.arrays

    def law_examples(self, op: Op) -> None:
        """The law tests' examples, drawn by hypothesis (instructor/law_examples.py)."""
        from instructor import law_examples

        stream = SEEDS[self.hidden] * 10 + OPS.index(op)
        for n, example in enumerate(law_examples.draw(op, stream)):
            prefix = f"{op.name}.laws.{n}."
            for i, x in enumerate(example["inputs"]):
                self.arrays[f"{prefix}in{i}"] = x
            if example["g"] is not None:
                self.arrays[f"{prefix}g"] = example["g"]
            self.arrays[f"{prefix}c"] = np.asarray(example["c"])
            self.arrays[f"{prefix}label"] = np.asarray(f" (example {n + 1})")

    def values(self, op: Op) -> None:
        rng = self.rng(op, "values")
        kind, p, q = op.typical
        base = p + q * np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]) if kind == "normal" \
            else np.round(np.linspace(p, q, 6), 2)
        known = [np.roll(base, k) for k in range(len(op.inputs))]
        if op.reduces_last_axis:
            known = [x[:6].reshape(2, 3) for x in known]
        self.add(op, "values", known, " (hand-picked values)", rng, with_grads=False)
        for shape in SHAPES[self.hidden]:
            self.add(op, "values", op.sample(rng, shape), f" for inputs of shape {shape}", rng,
                     with_grads=False)

    def with_tails(self, op: Op, inputs: list[np.ndarray], rng) -> list[np.ndarray]:
        """``inputs`` with the op's tails as the first values of the first input, next
        to everyday values of the other inputs (so that a wrong gradient there is large)."""
        out = [x.copy() for x in inputs]
        n = min(len(op.tails), out[0].size)
        out[0].flat[:n] = op.tails[:n]
        for x, everyday in zip(out[1:], op.sample(rng, (n,))[1:]):
            x.flat[:n] = everyday
        return out

    def extreme_cases(self, op: Op) -> None:
        rng = self.rng(op, "extremes")
        shape = (2, EXTREMES_PER_CASE // 2, 3) if op.reduces_last_axis else (EXTREMES_PER_CASE,)
        first = shape if op.reduces_last_axis else (EXTREMES_PER_CASE + len(op.tails),)
        self.add(op, "extremes", self.with_tails(op, self.extremes(op, rng, first), rng),
                 " (large magnitudes, tails, tiny values)", rng)
        if self.hidden:  # the ends are public: hidden tests draw again instead
            self.add(op, "extremes", self.extremes(op, rng, shape),
                     " (large magnitudes, tails, tiny values)", rng)
        else:
            self.ends(op, rng)
        zero_d = () if not op.reduces_last_axis else (3,)
        if op.reduces_last_axis:
            self.add(op, "extremes", op.sample(rng, zero_d), " (one vector: 0-d output)", rng)
            self.add(op, "extremes", op.sample(rng, (1,)), " (one vector of length 1)", rng)
        else:  # 0-d inputs of each sign (a branch for 0-d arrays has both sides to get right)
            signs = (1.0, -1.0) if op.signed else (1.0,)
            for sign in signs:
                x = op.sample(rng, zero_d)
                self.add(op, "extremes", [sign * np.abs(x[0]), *x[1:]], " (0-d inputs)", rng)
            if op.signed and not self.hidden:  # 0 itself: the same value in both, so public
                x = op.sample(rng, zero_d)
                self.add(op, "extremes", [np.zeros(zero_d), *x[1:]], " (0-d inputs, a zero)", rng)
        far = max(hi for _, hi in op.extremes) * (-1.0 if op.signed else 1.0)
        self.add(op, "extremes", [np.full(zero_d, far * rng.uniform(FAR, 1.0)) for _ in op.inputs],
                 " (0-d inputs at the far end)" if not op.reduces_last_axis
                 else " (one vector at the far end: 0-d output)", rng)
        if op.reduces_last_axis:
            self.add(op, "extremes", op.sample(rng, (4, 1)), " (vectors of length 1)", rng)

    def ends(self, op: Op, rng) -> None:
        ends = [np.array([lo, hi]) for lo, hi in op.extremes]
        flat = np.concatenate(ends)
        if op.signed:
            flat = np.concatenate([flat, -flat, [0.0]])
        if op.reduces_last_axis:
            flat = flat[: len(flat) // 3 * 3].reshape(-1, 3)
        edge = [flat if i == 0 else np.abs(np.roll(flat, 1)) * np.sign(flat)
                for i in range(len(op.inputs))]
        self.add(op, "extremes", edge, " (the ends of the extreme ranges)", rng)

    def states(self, op: Op) -> None:
        rng = self.rng(op, "state")
        for part, count in (("interleaved", 2), ("row", 4), ("twice", 1)):
            for n in range(count):
                self.add(op, f"state_{part}", op.sample(rng, (3, 4)),
                         f" ({part} call {n + 1})", rng)
        mixed = op.sample(rng, (3, 4))
        mixed[0][0] = self.extremes(op, rng, (4,))[0]  # where in-place clipping would act
        self.add(op, "state_mutation", mixed, " (inputs with extreme values)", rng)
        if len(op.inputs) > 1:
            x = op.sample(rng, (3, 4))[0]
            inputs, g = self.add(op, "state_same", [x] * len(op.inputs),
                                 " (the same Tensor as every input)", rng)
            grads = self.answer(op, inputs, g)
            self.arrays[f"{op.name}.state_same.0.same_grad"] = np.sum(grads, axis=0)


def build(hidden: bool) -> dict[str, np.ndarray]:
    return _Builder(hidden, solution()).build()


def write() -> list[str]:
    written = []
    for hidden, path in ((False, case_files.PUBLIC), (True, HIDDEN_PATH)):
        case_files.save(path, build(hidden))
        written.append(path)
    return written
