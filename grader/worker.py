"""The sandboxed worker: the only process that ever imports a submission.

Started by ``grader.sandbox`` as ``python -I grader/worker.py REQ_FD RESP_FD OPS_PATH``
with resource limits already applied.  It moves the protocol pipes away from
fds 0/1/2 (so the student's ``print`` cannot corrupt them), imports the submission,
says hello, then answers requests one at a time until told to exit or the pipe
closes.  It never judges anything: it runs the student's code and reports what came
back; the parent compares.
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings

OPS = ("sigmoid", "log", "multiply", "dot")


def main(argv: list[str]) -> int:
    req_fd, resp_fd, ops_path = int(argv[0]), int(argv[1]), argv[2]
    # Make the repository importable however we were started (-I drops PYTHONPATH).
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)
    from grader import protocol

    _not_dumpable()
    main_pid = os.getpid()
    try:
        module = _import_submission(ops_path)
    except BaseException as err:  # noqa: BLE001 - SystemExit, SyntaxError, anything
        protocol.write_frame(resp_fd, {"ok": False, "error": _describe(err, ops_path, "import")})
        return 0
    _check_pid(main_pid)
    ops = {name: _resolve(module, name) for name in OPS}
    protocol.write_frame(resp_fd, {"ok": True, "ops": {k: v[1] for k, v in ops.items()}})

    while True:
        try:
            request = protocol.read_frame(req_fd)
        except protocol.Closed:
            return 0
        if request.get("cmd") == "exit":
            return 0
        try:
            reply = _serve(request, ops, module, ops_path, main_pid)
        except BaseException as err:  # noqa: BLE001 - the student's code may raise anything
            _check_pid(main_pid)
            reply = {"ok": False, "error": _describe(err, ops_path, request.get("where", ""))}
        _check_pid(main_pid)
        try:
            protocol.write_frame(resp_fd, reply)
        except (TypeError, ValueError) as err:
            protocol.write_frame(resp_fd, {"ok": False, "error": {
                "type": "UnsendableResult", "message": str(err)[:500], "where": "", "line": ""}})


def _not_dumpable() -> None:
    """Other processes of the same user (another sandbox, where no user namespace could
    be made) must not reach this one's files through /proc/PID/cwd or /proc/PID/mem."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def _check_pid(main_pid: int) -> None:
    """A process forked by the submission must never answer in the worker's name."""
    if os.getpid() != main_pid:
        os._exit(0)


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
        inputs = [np.array(a) for a in request["inputs"]]
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
        inputs = [np.array(a) for a in request["inputs"]]
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
        from hw3.train import TrainConfig, train

        result = train(TrainConfig(**request["config"]), module, progress=False)
        _check_pid(main_pid)
        return {"ok": True, "losses": np.asarray(result.losses, dtype=np.float64),
                "embeddings": np.asarray(result.embeddings, dtype=np.float64),
                "words": "\n".join(str(w) for w in result.words)}
    raise ValueError(f"unknown request {cmd!r}")


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
