"""The sandboxed worker: the only process that ever imports a submission.

Run by ``grader.sandbox`` (in a fork of ``grader.forkserver``, which calls
``main([REQ_FD, RESP_FD, STATUS_FD, NONCE, OPS_PATH])``; ``python -I sandboxed/worker.py``
with those arguments does the same) with resource limits and the confinement already
applied.  The protocol pipes are not fds 0/1/2
(so the student's ``print`` cannot corrupt them).  It imports the submission, says
hello (carrying ``NONCE``), then answers requests one at a time, copying each
request's nonce into its reply, until told to exit or the pipe closes.  It never
judges anything: it runs the student's code and reports what came back; the
parent compares.

In a PID namespace of its own (it is pid 1) it first forks: pid 1 stays behind as a
minimal init that holds nothing but STATUS_FD, reaps orphans and, when the worker
(pid 2) ends, writes its wait status there and exits, so the kernel kills whatever
the submission left running.  Elsewhere STATUS_FD is closed at once.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings

# Bound before the submission runs: it may replace os.getpid, os._exit and the like in
# its own process (the parent relies on none of this: see grader.sandbox).
_getpid, _exit = os.getpid, os._exit

# What the submission draws from numpy's or Python's global generators, or from
# np.random.default_rng() without a seed, comes from this seed in every worker.
SUBMISSION_SEED = 575


def main(argv: list[str]) -> int:
    req_fd, resp_fd, status_fd, hello_nonce = int(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    ops_path = argv[4]
    if _getpid() == 1:
        _become_init(status_fd)  # returns in the worker only
    else:
        _close(status_fd)
    # Make the repository importable however we were started (-I drops PYTHONPATH).
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)
    from hw3.registry import NAMES
    from sandboxed import probe, protocol

    _not_dumpable()
    main_pid = _getpid()
    _prepare_training()
    probe.install()  # before the submission can import what it watches
    # Made before the import as well: whether the submission replaced the probe, or what
    # carries its evidence here, is told by a function the submission did not see made.
    replaced, tampered = probe.guard(sys.modules[__name__], protocol, _HANDLERS), probe.TAMPERED
    _same_random_numbers_in_every_grade()
    try:
        module = _import_submission(ops_path)
    except BaseException as err:  # noqa: BLE001 - SystemExit, SyntaxError, anything
        _check_pid(main_pid)
        protocol.write_frame(resp_fd, {"ok": False, "nonce": hello_nonce,
                                       "error": _describe(err, ops_path, "import")})
        return 0
    _check_pid(main_pid)
    ops = {name: _resolve(module, name) for name in NAMES}
    protocol.write_frame(resp_fd, {"ok": True, "nonce": hello_nonce,
                                   "ops": {k: v[1] for k, v in ops.items()}})

    while True:
        try:
            request = protocol.read_frame(req_fd)
        except protocol.Closed:
            return 0
        if not isinstance(request, dict):
            continue
        if request.get("cmd") == "exit":
            return 0
        nonce = request.get("nonce")
        try:
            reply = _serve(request, ops, module, ops_path, main_pid)
        except BaseException as err:  # noqa: BLE001 - the student's code may raise anything
            _check_pid(main_pid)
            reply = {"ok": False, "error": _describe(err, ops_path, request.get("where", ""))}
        _check_pid(main_pid)
        if request.get("cmd") == "probe" and replaced():
            reply = {"ok": True, "evidence": [f"{tampered} ({', '.join(replaced()[:3])})"]}
        _send(protocol, resp_fd, {**reply, "nonce": nonce})
        del request, reply


def _send(protocol, resp_fd: int, reply: dict) -> None:
    """Send ``reply``; what cannot be sent is described instead, with the same nonce."""
    nonce = reply.get("nonce")
    try:
        data = protocol.pack(reply)
    except protocol.TooLarge as err:
        data = protocol.pack({"ok": False, "nonce": nonce, "too_large": {
            "what": err.what, "bytes": err.size, "limit": err.limit}})
    except BaseException as err:  # noqa: BLE001 - a hostile __str__, a MemoryError, ...
        try:
            message = f"{type(err).__name__}: {err}"[:500]
        except BaseException:  # noqa: BLE001
            message = type(err).__name__[:80]
        data = protocol.pack({"ok": False, "nonce": nonce, "error": {
            "type": "UnsendableResult", "message": message, "where": "", "line": "",
            "shapes": ""}})
    view = memoryview(data)
    while view:
        view = view[os.write(resp_fd, view):]


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _become_init(status_fd: int) -> None:
    """Fork; the parent stays pid 1 of the namespace (see the module docstring)."""
    try:
        worker = os.fork()
    except OSError:
        _close(status_fd)
        return  # no init: this process serves, as pid 1
    if worker == 0:
        _close(status_fd)
        return
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # no handler: ignored, as pid 1
    os.closerange(0, status_fd)
    os.closerange(status_fd + 1, 1 << 16)
    _not_dumpable()
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            _exit(1)
        if pid == worker:
            try:
                os.write(status_fd, b"%d\n" % status)
            except OSError:
                pass
            _exit(0)  # the kernel now kills every process left in the namespace


_TRAIN = {}


def _bind_training() -> None:
    """Bind hw3's training entry points (raises what goes wrong importing them)."""
    from hw3.train import TrainConfig, prepare, train

    _TRAIN.update(config=TrainConfig, train=train, prepare=prepare)


def _prepare_training() -> None:
    """Bind hw3's training entry point before the submission can replace it."""
    try:
        _bind_training()
    except Exception:  # noqa: BLE001 - reported when training is asked for
        pass


def _not_dumpable() -> None:
    """Other processes of the same user must not reach this one's files through
    /proc/PID/cwd or /proc/PID/mem."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def _same_random_numbers_in_every_grade() -> None:
    """Seed what a submission may draw from without a seed of its own, so the same
    submission always gets the same score (a bug that strikes at random strikes on the
    same calls in every grade, and in `make test` on the same public checks)."""
    import random

    import numpy as np

    random.seed(SUBMISSION_SEED)
    np.random.seed(SUBMISSION_SEED)
    entropy = random.Random(SUBMISSION_SEED)  # in place of the OS's for SeedSequence()
    try:
        np.random.bit_generator.randbits = entropy.getrandbits
    except (AttributeError, TypeError):  # pragma: no cover - a numpy without that hook
        pass


def _check_pid(main_pid: int) -> None:
    """A process forked by the submission should not answer in the worker's name (best
    effort: the parent's nonces and checks do not depend on it)."""
    if _getpid() != main_pid:
        _exit(0)


def _import_submission(path: str):
    import importlib.util

    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)  # helper modules next to ops.py keep working
    spec = importlib.util.spec_from_file_location("submission_ops", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["submission_ops"] = module
    spec.loader.exec_module(module)
    return module


def _resolve(module, name):
    """((tensor_op function or None, op class) or None, description) for ``name``."""
    obj = getattr(module, name, None)
    if obj is None:
        return None, {"present": False, "kind": "missing"}
    op_class = getattr(obj, "op_class", None)
    if op_class is not None:
        return (obj, op_class), {"present": True, "kind": "tensor_op"}
    if isinstance(obj, type) and hasattr(obj, "forward") and hasattr(obj, "backward"):
        return (None, obj), {"present": True, "kind": "class"}
    return None, {"present": True, "kind": type(obj).__name__[:60]}


def _op(ops, name):
    entry = ops.get(name)
    if entry is None or entry[0] is None:
        raise LookupError(f"no usable op {name!r}")
    return entry[0]


def _frozen(g):
    import numpy as np

    frozen = np.array(g)
    frozen.flags.writeable = False  # as in edugrad's backprop
    return frozen


def _serve(request, ops, module, ops_path, main_pid):
    cmd = request["cmd"]
    handler = _HANDLERS.get(cmd)
    if handler is None:
        raise ValueError(f"unknown request {cmd!r}")
    reply = handler(request, ops, module, ops_path)
    _check_pid(main_pid)
    return reply


def _forward(request, ops, module, ops_path):
    from edugrad.operation import Context

    _, op_class = _op(ops, request["op"])
    inputs = _inputs(request["inputs"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = op_class.forward(Context(), *inputs)
    return {"ok": True, "out": out, "inputs_after": inputs, "warnings": _warned(caught)}


def _forward_many(request, ops, module, ops_path):
    import numpy as np

    from edugrad.operation import Context

    _, op_class = _op(ops, request["op"])
    outs = [op_class.forward(Context(), *[np.array(a) for a in inputs])
            for inputs in request["batches"]]
    return {"ok": True, "outs": outs}


def _backward(request, ops, module, ops_path):
    """forward then backward (twice on the same ctx when ``twice``, the second time with
    grad_output negated): what each gave, and the inputs, grad_output and output as they
    were left."""
    import numpy as np

    from edugrad.operation import Context
    from sandboxed import probe

    _, op_class = _op(ops, request["op"])
    inputs = _inputs(request["inputs"])
    given = [np.array(a) for a in inputs]  # as forward got them: what the probe compares to
    ctx = Context()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = op_class.forward(ctx, *inputs)
        except BaseException as err:  # noqa: BLE001
            return {"ok": False, "error": _describe(err, ops_path, request["op"] + ".forward")}
        out_copy = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
        g = np.array(request["grad_output"])
        with probe.backward_watched(module, given) as evidence:
            grads = op_class.backward(ctx, _frozen(g))
        reply = {"ok": True, "out": out_copy if out_copy is not None else out, "grads": grads,
                 "inputs_after": inputs, "grad_output_after": g, "evidence": evidence}
        if isinstance(out, np.ndarray):
            reply["out_after"] = out
        if request.get("twice"):
            grads = _copies(grads)
            reply["grads"] = grads
            try:
                with probe.backward_watched(module, given) as again:
                    reply["grads_again"] = op_class.backward(ctx, _frozen(-g))
                evidence += again
            except BaseException as err:  # noqa: BLE001
                where = f"{request['op']}.backward, called a second time on the same ctx,"
                return {"ok": False, "error": _describe(err, ops_path, where)}
    reply["warnings"] = _warned(caught)
    return reply


def _copies(grads):
    """``grads`` with each array copied (a second backward may change the first's)."""
    import numpy as np

    if isinstance(grads, np.ndarray):
        return grads.copy()
    if isinstance(grads, (list, tuple)):
        return [g.copy() if isinstance(g, np.ndarray) else g for g in grads]
    return grads


def _interleaved(request, ops, module, ops_path):
    """forward A, forward B, backward A, backward B: state kept outside ctx shows."""
    import numpy as np

    from edugrad.operation import Context

    _, op_class = _op(ops, request["op"])
    ctxs = [Context(), Context()]
    sets = [[np.array(a) for a in inputs] for inputs in request["inputs"]]
    outs = [op_class.forward(c, *x) for c, x in zip(ctxs, sets)]
    grads = [_copies(op_class.backward(c, _frozen(g)))
             for c, g in zip(ctxs, request["grad_outputs"])]
    return {"ok": True, "outs": outs, "grads": grads, "inputs_after": sets}


def _graph(request, ops, module, ops_path):
    """The @tensor_op function on Tensors (``args`` index ``tensors``), then backprop."""
    import numpy as np

    from edugrad.operation import tensor_op
    from edugrad.tensor import Tensor

    fn, op_class = _op(ops, request["op"])
    if fn is None:
        fn = tensor_op(op_class)
    tensors = [Tensor(np.array(a)) for a in request["tensors"]]
    out = fn(*[tensors[i] for i in request["args"]])
    out.backward(np.array(request["grad_output"]))
    return {"ok": True, "out": out.value, "grads": [t.grad for t in tensors]}


def _probe(request, ops, module, ops_path):
    """How backward computes: see sandboxed/probe.py."""
    from sandboxed import probe

    _, op_class = _op(ops, request["op"])
    return {"ok": True, "evidence": probe.run(op_class, module, _inputs(request["inputs"]),
                                              request["grad_output"],
                                              plain=request.get("plain") is True)}


_PREPARED: dict = {}  # (corpus, min_count) -> hw3.train.prepare's result


def _train(request, ops, module, ops_path):
    """A training run; the corpus is read and encoded once per worker for all the runs
    that share it (the grader's runs do: ~0.1 CPU-s each time)."""
    import numpy as np

    if not _TRAIN:
        _bind_training()  # raises what went wrong in _prepare_training
    config = _TRAIN["config"](**request["config"])
    config.validate()
    key = (config.corpus, config.min_count)
    prepared = _PREPARED.get(key)
    if prepared is None or len(prepared[2]) <= config.window:  # (prepare says why not)
        prepared = _TRAIN["prepare"](config)
        _PREPARED.clear()
        _PREPARED[key] = prepared
    result = _TRAIN["train"](config, module, progress=False, prepared=prepared)
    return {"ok": True, "losses": np.asarray(result.losses, dtype=np.float64),
            "embeddings": np.asarray(result.embeddings, dtype=np.float64),
            "words": "\n".join(str(w) for w in result.words)}


_HANDLERS = {"forward": _forward, "forward_many": _forward_many, "backward": _backward,
             "interleaved": _interleaved, "graph": _graph, "probe": _probe, "train": _train}

_LAST: list = []  # the previous request's input arrays (see _inputs)


def _inputs(arrays) -> list:
    """Fresh copies of a request's input arrays, each made right after the previous
    request's array in its place is let go, so that it usually gets the same id():
    as in training, where an op is called again and again on fresh arrays of one shape,
    state kept between calls (a cache keyed by id() or by shape) shows."""
    import numpy as np

    fresh = []
    for i, a in enumerate(arrays):
        if i < len(_LAST):
            _LAST[i] = None
        fresh.append(np.array(a))
    _LAST[:] = fresh
    return fresh


def _warned(caught) -> list[str]:
    return [f"{w.category.__name__}: {w.message}"[:200] for w in caught[:5]]


def _shapes(frame) -> str:
    """'a: (3, 4) float64, b: ...' for the array arguments of the student's frame."""
    import numpy as np

    from edugrad.operation import Context

    code = frame.f_code
    names = code.co_varnames[:code.co_argcount]
    parts = []
    for name in names:
        value = frame.f_locals.get(name)
        if isinstance(value, np.ndarray):
            parts.append(f"{name}: shape {value.shape} {value.dtype}")
        elif isinstance(value, Context):  # backward: what forward saved describes the inputs
            saved = [f"shape {v.shape} {v.dtype}" for v in value if isinstance(v, np.ndarray)]
            saved += [f"{k}: shape {v.shape} {v.dtype}" for k, v in vars(value).items()
                      if isinstance(v, np.ndarray)]
            if saved:
                parts.append(f"{name} holding " + ", ".join(saved))
    return ", ".join(parts)[:300]


def _describe(err: BaseException, ops_path: str, where: str) -> dict:
    """What went wrong, where in the student's file, without the grader's frames."""
    line, shapes = "", ""
    target = os.path.abspath(ops_path)
    tb = err.__traceback__
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    student = [(f, n) for f, n in frames if os.path.abspath(f.f_code.co_filename) == target]
    if student:
        frame, lineno = student[-1]
        text = ""
        for entry in traceback.extract_tb(err.__traceback__):
            if os.path.abspath(entry.filename) == target and entry.lineno == lineno:
                text = entry.line or ""
        line = f"ops.py line {lineno}: `{text.strip()}`"
        try:
            # the op's own frame (forward/backward): its array arguments
            op_frame = next((f for f, _ in reversed(student)
                             if f.f_code.co_name in ("forward", "backward")), frame)
            shapes = _shapes(op_frame)
        except Exception:  # noqa: BLE001 - the student's locals may be anything
            shapes = ""
    if isinstance(err, SyntaxError) and not line and err.lineno:
        line = f"ops.py line {err.lineno}: `{(err.text or '').strip()}`"
    try:
        message = str(err)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        message = "(the error could not be printed)"
    return {"type": type(err).__name__[:80], "message": message[:1500], "where": where,
            "line": line[:300], "shapes": shapes}


if __name__ == "__main__":
    # Keep the protocol pipes private: fds 0/1/2 are the student's.
    sys.exit(main(sys.argv[1:]))
