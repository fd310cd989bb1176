"""The inputs the checks use, with the right answers: data, not an oracle.

A case is one call of an op: its inputs, an upstream gradient and the exact
gradients the reference solution gives there.  Public cases ship in
``grader/rubric/cases.npz``; hidden ones, drawn the same way with another seed, live
with the hidden tests.  Both are written by ``python -m instructor cases`` from the
registry (hw3/registry.py) and the solution, so nothing here computes a derivative.

Each array is named ``{op}.{kind}.{n}.{field}`` (field: ``in0``, ``in1``, ..., ``g``,
``grad0``, ``grad1``, ..., ``label``).  On disk (an .npz read without pickle) they are
two members, so that loading is one read, not thousands: ``values``, every float
array flattened end to end, and ``index``, JSON mapping each name to its offset and
shape (or, for labels, its text).
"""

from __future__ import annotations

import functools
import io
import json
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
        self._by: dict[tuple[str, str], dict[int, dict[str, np.ndarray]]] = {}
        for key, value in arrays.items():
            op, kind, n, name = key.rsplit(".", 3)
            self._by.setdefault((op, kind), {}).setdefault(int(n), {})[name] = value

    def get(self, op: str, kind: str) -> list[Case]:
        found = []
        for _, fields in sorted(self._by.get((op, kind), {}).items()):
            fields = dict(fields)
            inputs = [fields.pop(f"in{i}") for i in range(len(fields)) if f"in{i}" in fields]
            grads = [fields.pop(f"grad{i}") for i in range(len(fields)) if f"grad{i}" in fields]
            label = str(fields.pop("label"))
            found.append(Case(inputs, fields.pop("g", None), grads or None, label, fields))
        if not found:
            raise LookupError(f"no cases for {op} {kind}: rebuild them with "
                              "`python -m instructor cases` (instructors).")
        return found

    def states(self, op: str) -> dict[str, list[Case]]:
        """The cases of the backward_state check, by part."""
        return {part: self.get(op, f"state_{part}") for part in STATE_PARTS
                if part != "same" or (op, "state_same") in self._by}


@functools.lru_cache(maxsize=4)
def load(path: str = PUBLIC) -> Cases:
    with np.load(path, allow_pickle=False) as data:
        values, index = data["values"], json.loads(data["index"].tobytes())
    arrays = {}
    for key, where in index.items():
        if isinstance(where, str):
            arrays[key] = np.asarray(where)
        else:
            start, shape = where
            arrays[key] = values[start:start + int(np.prod(shape, dtype=np.int64))].reshape(shape)
    return Cases(arrays)


def save(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` (see the module docstring) as an .npz whose bytes depend only on
    the arrays (sorted, fixed timestamps), atomically."""
    from hw3.atomic import write_bytes

    index, chunks, offset = {}, [], 0
    for key in sorted(arrays):
        value = np.asarray(arrays[key])
        if value.dtype.kind in "US":
            index[key] = str(value)
            continue
        flat = value.astype(np.float64).ravel()
        index[key] = [offset, list(value.shape)]
        chunks.append(flat)
        offset += flat.size
    members = {"values": np.concatenate(chunks) if chunks else np.zeros(0),
               "index": np.frombuffer(json.dumps(index, sort_keys=True).encode(), np.uint8)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, value in members.items():
            data = io.BytesIO()
            np.lib.format.write_array(data, value, allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data.getvalue())
    write_bytes(path, buf.getvalue())
