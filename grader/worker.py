"""The sandboxed worker: the only process that ever imports a submission.

Started by ``grader.sandbox`` as
``python -I grader/worker.py REQ_FD RESP_FD STATUS_FD NONCE OPS_PATH`` with resource
limits and the confinement (``grader.confine``) already applied.  The protocol
pipes are not fds 0/1/2 (so the student's ``print`` cannot corrupt them).  It
imports the submission, says hello (carrying ``NONCE``), then answers requests one
at a time, copying each request's nonce into its reply, until told to exit or the
pipe closes.  It never judges anything: it runs the student's code and reports what
came back; the parent compares.

In a PID namespace of its own (it is pid 1) it first forks: pid 1 stays behind as a
minimal init that holds nothing but STATUS_FD, reaps orphans and, when the worker
(pid 2) ends, writes its wait status there and exits, so the kernel kills whatever
the submission left running.  (Pid 1 ignores every signal sent from inside its
namespace, SIGKILL included; the worker itself stays an ordinary process that can
crash and be killed.)  Elsewhere STATUS_FD is closed at once.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings

OPS = ("sigmoid", "log", "multiply", "dot")


# Bound before the submission runs: it may replace os.getpid, os._exit and the like in
# its own process (the parent relies on none of this: see grader.sandbox).
_getpid, _exit = os.getpid, os._exit


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
    from grader import protocol

    _not_dumpable()
    main_pid = _getpid()
    _prepare_training()
    try:
        module = _import_submission(ops_path)
    except BaseException as err:  # noqa: BLE001 - SystemExit, SyntaxError, anything
        _check_pid(main_pid)
        protocol.write_frame(resp_fd, {"ok": False, "nonce": hello_nonce,
                                       "error": _describe(err, ops_path, "import")})
        return 0
    _check_pid(main_pid)
    ops = {name: _resolve(module, name) for name in OPS}
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
            "type": "UnsendableResult", "message": message, "where": "", "line": ""}})
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


def _prepare_training() -> None:
    """Bind hw3's training entry point before the submission can replace it."""
    try:
        from hw3.train import TrainConfig, train

        _TRAIN.update(config=TrainConfig, train=train)
    except Exception:  # noqa: BLE001 - reported when training is asked for
        pass


def _not_dumpable() -> None:
    """Other processes of the same user (another sandbox, where no user namespace could
    be made) must not reach this one's files through /proc/PID/cwd or /proc/PID/mem."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
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
    """(op class or None, description) for the op called ``name``."""
    obj = getattr(module, name, None)
    if obj is None:
        return None, {"present": False, "kind": "missing"}
    op_class = getattr(obj, "op_class", None)
    if op_class is not None:
        return (obj, op_class), {"present": True, "kind": "tensor_op"}
    if isinstance(obj, type) and hasattr(obj, "forward") and hasattr(obj, "backward"):
        return (None, obj), {"present": True, "kind": "class"}
    return None, {"present": True, "kind": type(obj).__name__}


def _op(ops, name):
    entry = ops.get(name)
    if entry is None or entry[0] is None:
        raise LookupError(f"no usable op {name!r}")
    return entry[0]


def _serve(request, ops, module, ops_path, main_pid):
    import numpy as np

    from edugrad.operation import Context
    cmd = request["cmd"]
    if cmd == "forward":
        _, op_class = _op(ops, request["op"])
        inputs = _inputs(request["inputs"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = op_class.forward(Context(), *inputs)
        _check_pid(main_pid)
        return {"ok": True, "out": out, "inputs_after": inputs, "warnings": _warned(caught)}
    if cmd == "forward_many":
        _, op_class = _op(ops, request["op"])
        outs = []
        for inputs in request["batches"]:
            outs.append(op_class.forward(Context(), *[np.array(a) for a in inputs]))
            _check_pid(main_pid)
        return {"ok": True, "outs": outs}
    if cmd == "backward":
        _, op_class = _op(ops, request["op"])
        inputs = _inputs(request["inputs"])
        ctx = Context()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = op_class.forward(ctx, *inputs)
            except BaseException as err:  # noqa: BLE001
                _check_pid(main_pid)
                return {"ok": False,
                        "error": _describe(err, ops_path, request["op"] + ".forward")}
            _check_pid(main_pid)
            g = np.array(request["grad_output"])
            frozen = g.view()
            frozen.flags.writeable = False  # as in edugrad's backprop
            grads = op_class.backward(ctx, frozen)
        _check_pid(main_pid)
        return {"ok": True, "out": out, "grads": grads, "inputs_after": inputs,
                "grad_output_after": g, "warnings": _warned(caught)}
    if cmd == "interleaved":
        # forward A, forward B, backward A, backward B: state kept outside ctx shows.
        _, op_class = _op(ops, request["op"])
        ctxs = [Context(), Context()]
        sets = [[np.array(a) for a in inputs] for inputs in request["inputs"]]
        outs = [op_class.forward(c, *x) for c, x in zip(ctxs, sets)]
        grads = []
        for c, g in zip(ctxs, request["grad_outputs"]):
            frozen = np.array(g)
            frozen.flags.writeable = False
            grads.append(op_class.backward(c, frozen))
        _check_pid(main_pid)
        return {"ok": True, "outs": outs, "grads": grads}
    if cmd == "graph":
        from edugrad.tensor import Tensor

        fn, op_class = _op(ops, request["op"])
        if fn is None:
            from edugrad.operation import tensor_op
            fn = tensor_op(op_class)
        tensors = [Tensor(np.array(a)) for a in request["tensors"]]
        out = fn(*[tensors[i] for i in request["args"]])
        out.backward(np.array(request["grad_output"]))
        _check_pid(main_pid)
        return {"ok": True, "out": out.value, "grads": [t.grad for t in tensors]}
    if cmd == "train":
        if not _TRAIN:
            from hw3.train import TrainConfig, train  # raises what went wrong above

            _TRAIN.update(config=TrainConfig, train=train)
        result = _TRAIN["train"](_TRAIN["config"](**request["config"]), module, progress=False)
        _check_pid(main_pid)
        return {"ok": True, "losses": np.asarray(result.losses, dtype=np.float64),
                "embeddings": np.asarray(result.embeddings, dtype=np.float64),
                "words": "\n".join(str(w) for w in result.words)}
    raise ValueError(f"unknown request {cmd!r}")


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


def _describe(err: BaseException, ops_path: str, where: str) -> dict:
    """What went wrong, where in the student's file, without the grader's frames."""
    line = ""
    tb = traceback.extract_tb(err.__traceback__)
    target = os.path.abspath(ops_path)
    for frame in reversed(tb):
        if os.path.abspath(frame.filename) == target:
            line = f"ops.py line {frame.lineno}: `{(frame.line or '').strip()}`"
            break
    if isinstance(err, SyntaxError) and not line and err.lineno:
        line = f"ops.py line {err.lineno}: `{(err.text or '').strip()}`"
    try:
        message = str(err)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        message = "(the error could not be printed)"
    return {"type": type(err).__name__[:80], "message": message[:1500], "where": where,
            "line": line[:300]}


if __name__ == "__main__":
    # Keep the protocol pipes private: fds 0/1/2 are the student's.
    sys.exit(main(sys.argv[1:]))
