"""The wire format between the grader (parent) and the sandboxed worker (child).

One message is one frame on a private pipe:

    4-byte big-endian header length | header (UTF-8 JSON)
    8-byte big-endian blob length   | blob (the arrays' bytes, back to back)

The header is ``{"v": value, "a": [[dtype, shape], ...]}``: inside the value,
``{"__array__": i}`` stands for the i-th array, whose bytes (C order) come i-th in
the blob.  Only numeric dtypes (bool, int, uint, float) are accepted and the sizes
must add up to the blob exactly; nothing is ever unpickled or evaluated, so a
hostile child can send wrong numbers but never run code in the parent.  Values that are not plain numbers or arrays are described, not sent:
``{"__object__": "list", "items": [...]}`` for lists/tuples,
``{"__foreign__": "Tensor"}`` for anything else.

Every request carries a ``nonce`` (random, new for each request) that the worker
copies into its reply: the parent takes only the frame with the current nonce, so a
frame the submission wrote itself, or a late answer to an earlier request, can never
be taken for the answer (see ``grader.sandbox``).

Whatever the other side sends, reading it raises only ``Timeout``, ``Closed`` or
``ProtocolError`` (``TooLarge`` for a frame over the limits): a value the parent
cannot decode is the sender's problem, never an error of the grader.

Both sides import this module; the child imports it *before* the submission.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time

import numpy as np

MAX_HEADER = 1 << 20       # 1 MB of JSON is far more than any honest message
MAX_BLOB = 256 << 20       # 256 MB of arrays (embeddings of the toy corpus are ~100 KB)
MAX_ITEMS = 64             # list/tuple items described per sequence
MAX_DEPTH = 4


class ProtocolError(Exception):
    """The other side sent something that is not a valid frame."""


class Timeout(Exception):
    """No complete frame arrived before the deadline."""


class Closed(Exception):
    """The other side closed the pipe (the child exited or crashed)."""


class TooLarge(ProtocolError):
    """A frame (or the value to be sent) is over ``MAX_HEADER`` / ``MAX_BLOB``."""

    def __init__(self, what: str, size: int, limit: int):
        super().__init__(f"{what} of {size} bytes is over the limit of {limit} bytes")
        self.what, self.size, self.limit = what, size, limit


# --------------------------------------------------------------------------- encode
def encode(value, arrays: list[np.ndarray], depth: int = 0):
    """A JSON-able description of ``value``; arrays are appended to ``arrays``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return {"__scalar__": float(value), "kind": "int"}
    if isinstance(value, float):
        return {"__scalar__": _json_float(value), "kind": "float"}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic) and np.dtype(type(value)).kind in "biuf":
        arrays.append(np.asarray(value))
        return {"__array__": len(arrays) - 1, "generic": True}
    if isinstance(value, (list, tuple)) and depth < MAX_DEPTH:
        items = [encode(v, arrays, depth + 1) for v in value[:MAX_ITEMS]]
        return {"__object__": type(value).__name__ if type(value) in (list, tuple) else "tuple",
                "items": items, "length": len(value)}
    if isinstance(value, dict) and depth < MAX_DEPTH:
        return {"__dict__": {str(k): encode(v, arrays, depth + 1)
                             for k, v in list(value.items())[:MAX_ITEMS]}}
    return {"__foreign__": type(value).__name__[:60]}


def _json_float(x: float):
    return x if math.isfinite(x) else repr(x)


class Foreign:
    """Stands in (in the parent) for a value of a type that was not sent."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"


def decode(obj, arrays: list[np.ndarray]):
    """Inverse of ``encode`` (lists/tuples come back as list/tuple, others as Foreign)."""
    if isinstance(obj, list):
        return [decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__array__" in obj:
        i = obj["__array__"]
        if not isinstance(i, int) or not 0 <= i < len(arrays):
            raise ProtocolError(f"bad array reference {i!r}")
        a = arrays[i]
        return a[()] if obj.get("generic") else a
    if "__scalar__" in obj:
        v = obj["__scalar__"]
        v = float(v) if isinstance(v, (int, float, str)) else float("nan")
        return int(v) if obj.get("kind") == "int" and math.isfinite(v) else v
    if "__object__" in obj:
        items = [decode(v, arrays) for v in obj.get("items", [])]
        return tuple(items) if obj["__object__"] == "tuple" else items
    if "__foreign__" in obj:
        return Foreign(str(obj["__foreign__"]))
    if "__dict__" in obj:
        return {k: decode(v, arrays) for k, v in obj["__dict__"].items()}
    return {k: decode(v, arrays) for k, v in obj.items()}


def pack(message) -> bytes:
    """One frame holding ``message`` (any mix of JSON values and numpy arrays).

    Raises ``TooLarge`` (before copying anything) when the arrays or the header are
    over the limits the reading side enforces."""
    arrays: list[np.ndarray] = []
    value = encode_tree(message, arrays)
    size = sum(int(a.nbytes) for a in arrays)
    if size > MAX_BLOB:
        raise TooLarge("payload", size, MAX_BLOB)
    table = [[a.dtype.str, list(a.shape)] for a in arrays]
    header = json.dumps({"v": value, "a": table}).encode()
    if len(header) > MAX_HEADER:
        raise TooLarge("header", len(header), MAX_HEADER)
    body = b"".join(a.tobytes(order="C") for a in arrays)
    return struct.pack(">I", len(header)) + header + struct.pack(">Q", len(body)) + body


def encode_tree(message, arrays):
    """Encode a message whose top level is a dict of plain keys."""
    if isinstance(message, dict):
        return {str(k): encode_tree(v, arrays) for k, v in message.items()}
    return encode(message, arrays)


def _arrays(table, body: bytes) -> list[np.ndarray]:
    """The arrays a header's table describes, cut from ``body`` (validated)."""
    if not isinstance(table, list):
        raise ProtocolError("the array table is not a list")
    buffer, arrays, offset = bytearray(body), [], 0
    for entry in table:
        try:
            text, shape = entry
            dtype = np.dtype(str(text))
            shape = tuple(int(n) for n in shape)
        except (TypeError, ValueError) as err:
            raise ProtocolError(f"bad array description {str(entry)[:80]}: {err}") from None
        if dtype.kind not in "biuf" or dtype.hasobject or any(n < 0 for n in shape) \
                or len(shape) > 32:
            raise ProtocolError(f"unsupported array {dtype} of shape {shape}")
        nbytes = math.prod(shape) * dtype.itemsize
        if offset + nbytes > len(buffer):
            raise ProtocolError("the arrays are longer than the frame")
        arrays.append(np.frombuffer(buffer, dtype, math.prod(shape), offset).reshape(shape))
        offset += nbytes
    if offset != len(buffer):
        raise ProtocolError("the frame holds bytes that belong to no array")
    return arrays


def unpack(header: bytes, body: bytes):
    try:
        obj = json.loads(header.decode())
    except (ValueError, RecursionError, MemoryError) as err:  # incl. UnicodeDecodeError
        raise ProtocolError(f"header is not JSON: {str(err)[:200]}") from None
    if not isinstance(obj, dict) or "v" not in obj:
        raise ProtocolError("the header is not a frame header")
    arrays = _arrays(obj.get("a", []), body)
    try:
        return decode(obj["v"], arrays)
    except ProtocolError:
        raise
    except Exception as err:  # noqa: BLE001 - e.g. a scalar that is no number, deep nesting
        raise ProtocolError(f"{type(err).__name__}: {str(err)[:200]}") from None


# --------------------------------------------------------------------------- I/O
def write_frame(fd: int, message) -> None:
    data = memoryview(pack(message))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks = []
    while n > 0:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise Timeout()
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise Closed()
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None):
    """Read one frame; ``deadline`` is a time.monotonic() value (None: wait forever)."""
    (hlen,) = struct.unpack(">I", read_exactly(fd, 4, deadline))
    if hlen > MAX_HEADER:
        raise TooLarge("header", hlen, MAX_HEADER)
    header = read_exactly(fd, hlen, deadline)
    (blen,) = struct.unpack(">Q", read_exactly(fd, 8, deadline))
    if blen > MAX_BLOB:
        raise TooLarge("payload", blen, MAX_BLOB)
    body = read_exactly(fd, blen, deadline)
    return unpack(header, body)
