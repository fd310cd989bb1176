"""The inputs the checks use, with the right answers: data, not an oracle.

A case is one call of an op: its inputs, an upstream gradient and the exact
gradients the reference solution gives there.  Public cases ship in
``grader/rubric/cases.npz``; hidden ones, drawn the same way with another seed, live
with the hidden tests.  Both are written by ``python -m instructor cases`` from the
registry (hw3/registry.py) and the solution, so nothing here computes a derivative.

File layout (a plain .npz, read without pickle): ``{op}.{kind}.{n}.{field}`` where
field is ``in0``, ``in1``, ..., ``g``, ``grad0``, ``grad1``, ... and ``label``.
"""

from __future__ import annotations

import functools
import io
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

PUBLIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.npz")
STATE_PARTS = ("interleaved", "row", "twice", "mutation", "same")


@dataclass
class Case:
    inputs: list[np.ndarray]
    g: np.ndarray | None = None
    grads: list[np.ndarray] | None = None  # the exact dL/d(input), one per input
    label: str = ""
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def grads_for(self, op: str, g) -> list[np.ndarray]:
        """The exact gradients for another upstream gradient ``g`` (they are linear in
        it: each output element depends only on the inputs at its own position)."""
        from grader.diagnose import local_derivative
        from hw3.registry import BY_NAME

        g = np.asarray(g, dtype=np.float64)
        gx = g[..., None] if BY_NAME[op].reduces_last_axis else g
        return [local_derivative(op, self.g, right) * gx for right in self.grads]


class Cases:
    """The cases of one file, by op and kind."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = arrays

    def get(self, op: str, kind: str) -> list[Case]:
        found = []
        n = 0
        while f"{op}.{kind}.{n}.label" in self._arrays:
            prefix = f"{op}.{kind}.{n}."
            fields = {k[len(prefix):]: v for k, v in self._arrays.items()
                      if k.startswith(prefix)}
            inputs = [fields.pop(f"in{i}") for i in range(len(fields)) if f"in{i}" in fields]
            grads = [fields.pop(f"grad{i}") for i in range(len(fields)) if f"grad{i}" in fields]
            label = str(fields.pop("label"))
            g = fields.pop("g", None)
            found.append(Case(inputs, g, grads or None, label, fields))
            n += 1
        if not found:
            raise LookupError(f"no cases for {op} {kind}: rebuild them with "
                              "`python -m instructor cases` (instructors).")
        return found

    def states(self, op: str) -> dict[str, list[Case]]:
        """The cases of the backward_state check, by part."""
        parts = {part: self.get(op, f"state_{part}") for part in STATE_PARTS
                 if part != "same" or f"{op}.state_same.0.label" in self._arrays}
        return parts


@functools.lru_cache(maxsize=4)
def load(path: str = PUBLIC) -> Cases:
    with np.load(path, allow_pickle=False) as data:
        return Cases({k: data[k] for k in data.files})


def save(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an .npz whose bytes depend only on the arrays (sorted, fixed
    timestamps), atomically."""
    from hw3.atomic import write_bytes

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            data = io.BytesIO()
            np.lib.format.write_array(data, np.asarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data.getvalue())
    write_bytes(path, buf.getvalue())
