"""The submission under test, as the rubric sees it: a proxy to the sandboxed worker.

Every method sends a request to the worker and checks the *form* of what came back
(an array of the right shape, one gradient per input, ...); anything wrong becomes
``CheckFailed`` with a message written for the student.  Whether the numbers are
right is for the rubric's checks to decide, here in the parent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from edugrad.checking import BackwardError, check_gradients
from edugrad.tensor import Tensor
from grader.redact import redact
from grader.sandbox import Sandbox, StudentError, WorkerFailure
from hw3.registry import BY_NAME, NAMES
from sandboxed.protocol import Foreign

HANGS_BEFORE_GIVING_UP = 2  # hangs/crashes of one op before it is no longer called
# Seconds one op's calls may take in all, over a whole grade (public and hidden tests).
# A correct op takes well under 1 s in all; without this, an op that sleeps just under
# each call's timeout would hold the grader for hours and lose every op's points when
# the whole grade is stopped (Gradescope stops it after 10 minutes).
OP_TIME_BUDGET = 60.0
ANSWERS_KEPT = 32  # backward answers remembered per op (see Subject.earlier_answer)


class CheckFailed(AssertionError):
    """A rubric check failed; the message is the feedback.  ``diagnosis``: the key of
    a recognised mistake (grader.diagnose), when one was recognised."""

    def __init__(self, message: str, diagnosis: str = ""):
        super().__init__(message)
        self.diagnosis = diagnosis


@dataclass
class Backward:
    """What one forward + backward call produced (float64 copies)."""

    out: np.ndarray
    grads: list[np.ndarray]
    inputs_after: list
    grad_output_after: object
    out_after: object = None
    grads_again: list[np.ndarray] | None = None


def _stand_in(op: str):
    """An object that edugrad's gradient checker can name in its messages."""
    return type(op, (), {"input_names": BY_NAME[op].inputs})


def _rebuild(value):
    """Turn Foreign placeholders into objects whose type name is the original's."""
    if isinstance(value, Foreign):
        return type(value.type_name, (), {})()
    if isinstance(value, list):
        return [_rebuild(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_rebuild(v) for v in value)
    return value


def _floats(arrays) -> list[np.ndarray]:
    return [np.array(a, dtype=np.float64) for a in arrays]


class Subject:
    """The ops of one submission, run in a sandbox."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.poison: CheckFailed | None = None  # set after a crash/timeout in this test
        self.warnings: list[str] = []  # warnings raised by the last forward/backward
        self.hangs: dict[str, tuple[int, str]] = {}  # where (or op) -> (hangs, message)
        self.evidence: dict[str, list[str]] = {}  # op -> what the probe (and backward calls) saw
        self.answers: dict[str, list] = {}  # op -> [(inputs' bytes, gradients)], recent calls
        self.spent: dict[str, float] = {}  # op -> seconds its calls took so far
        self._source: str | None = None

    def source(self) -> str:
        """The submission's text, read once ('' when it cannot be read): what the
        numerical rules read (grader/numerical.py)."""
        if self._source is None:
            try:
                with open(self.sandbox.ops_path, encoding="utf-8", errors="replace") as f:
                    self._source = f.read()
            except OSError:
                self._source = ""
        return self._source

    def new_test(self) -> None:
        self.poison = None

    # ------------------------------------------------------------------ plumbing
    def _request(self, message: dict, where: str, timeout: float | None = None) -> dict:
        if self.poison is not None:
            raise self.poison
        op = message.get("op")
        stuck = [(w, m) for w, (n, m) in self.hangs.items() if n >= HANGS_BEFORE_GIVING_UP
                 and (w in (where, op) or message["cmd"] == "train")]
        if stuck:
            raise CheckFailed(f"Not run: {stuck[0][1]} (this happened "
                              f"{HANGS_BEFORE_GIVING_UP} times already, so the grader stopped "
                              "calling it).")
        spent = self.spent.get(op, 0.0)
        if op in NAMES and spent > OP_TIME_BUDGET:
            raise CheckFailed(
                f"Not run: the calls to your {op} have taken {spent:.0f} s so far in this "
                f"grade, more than the {OP_TIME_BUDGET:g} s one op may take in all, so the "
                f"grader stopped calling it. A correct {op} needs well under a second for all "
                "of them: look for a sleep, or a loop that does far more work than it needs.")
        start = time.monotonic()
        try:
            return self.sandbox.request({**message, "where": where}, where, timeout)
        except WorkerFailure as failure:
            text = failure.message[0].upper() + failure.message[1:]
            if failure.kind in ("timeout", "crash", "protocol"):
                # a forward that hangs hangs every method of its op (each runs forward)
                who = op if failure.kind == "timeout" and where == f"{op}.forward" else where
                count = self.hangs.get(who, (0, ""))[0] + 1
                self.hangs[who] = (count, failure.message)
            self.poison = CheckFailed(text)
            raise self.poison from None
        except StudentError as err:
            raise CheckFailed(student_message(err.info, where),
                              diagnosis=error_diagnosis(err.info)) from None
        finally:
            self.spent[op] = spent + time.monotonic() - start

    def _require(self, op: str) -> None:
        if self.poison is not None:
            raise self.poison
        if not self.sandbox.ops_info and self.sandbox.import_failure is None:
            try:
                self.sandbox.start()
            except WorkerFailure as failure:
                if failure.kind != "import":
                    self.poison = CheckFailed(failure.message)
                raise CheckFailed(failure.message) from None
        if self.sandbox.import_failure is not None:
            raise CheckFailed(self.sandbox.import_failure.message)
        info = self.sandbox.ops_info.get(op)
        if info is None or not info.get("present"):
            raise CheckFailed(f"ops.py has no `{op}`: keep the ops ({', '.join(NAMES)}) under "
                              "exactly those names.")
        if info.get("kind") not in ("tensor_op", "class"):
            raise CheckFailed(f"`{op}` in ops.py is a {info.get('kind')}, not an operation: it "
                              "must be a class subclassing Operation, decorated with @tensor_op.")

    # ------------------------------------------------------------------ requests
    def forward(self, op: str, *arrays) -> np.ndarray:
        """The op's forward output on ``arrays`` (float64 copies are sent)."""
        return self.forward_with_inputs(op, *arrays)[0]

    def forward_with_inputs(self, op: str, *arrays):
        """(output, the input arrays as forward left them)."""
        self._require(op)
        arrays = _floats(arrays)
        reply = self._request({"cmd": "forward", "op": op, "inputs": arrays}, f"{op}.forward")
        self.warnings = _strings(reply.get("warnings"))
        return self._output(op, reply.get("out"), arrays), reply.get("inputs_after")

    def forward_many(self, op: str, batches) -> list[np.ndarray]:
        self._require(op)
        batches = [_floats(b) for b in batches]
        outs = []
        for start in range(0, len(batches), 64):  # keep frames small
            chunk = batches[start:start + 64]
            reply = self._request({"cmd": "forward_many", "op": op, "batches": chunk},
                                  f"{op}.forward")
            got = reply.get("outs")
            if not isinstance(got, list) or len(got) != len(chunk):
                raise CheckFailed(f"{op}.forward: the worker sent a malformed answer.")
            outs += [self._output(op, o, b) for o, b in zip(got, chunk)]
        return outs

    def backward(self, op: str, inputs, grad_output, twice: bool = False) -> Backward:
        """Forward then backward(grad_output) (twice on the same ctx when ``twice``, the
        second time with -grad_output); the gradients are checked for form."""
        self._require(op)
        inputs = _floats(inputs)
        g = np.array(grad_output, dtype=np.float64)
        reply = self._request({"cmd": "backward", "op": op, "inputs": inputs,
                               "grad_output": g, "twice": twice}, f"{op}.backward")
        self.warnings = _strings(reply.get("warnings"))
        seen = reply.get("evidence")  # what the worker saw this backward do
        if isinstance(seen, list) and seen:
            known = self.evidence.setdefault(op, [])
            known += [e for e in _strings(seen) if e not in known]
        out = self._output(op, reply.get("out"), inputs)
        grads = self.check_grads(op, inputs, reply.get("grads"), g)
        again = None
        if twice:
            again = self.check_grads(op, inputs, reply.get("grads_again"), -g,
                                     when=" the second time")
        recent = self.answers.setdefault(op, [])
        recent.append((b"".join(a.tobytes() for a in inputs), grads))
        del recent[:-ANSWERS_KEPT]
        return Backward(out, grads, reply.get("inputs_after"), reply.get("grad_output_after"),
                        reply.get("out_after"), again)

    def earlier_answer(self, op: str, inputs, got) -> bool:
        """Whether ``got`` is what an earlier backward call returned for other inputs
        (state kept between calls: a cache by shape or by id(), a global)."""
        key = b"".join(np.asarray(a, dtype=np.float64).tobytes() for a in inputs)
        return any(k != key and len(g) == len(got) and all(
            np.array_equal(x, y) for x, y in zip(g, got))
            for k, g in self.answers.get(op, [])[:-1])

    def interleaved(self, op: str, input_sets, grad_outputs):
        """forward A, forward B, backward A, backward B: (the two lists of gradients,
        the two lists of inputs as the calls left them)."""
        self._require(op)
        input_sets = [_floats(x) for x in input_sets]
        gs = _floats(grad_outputs)
        reply = self._request({"cmd": "interleaved", "op": op, "inputs": input_sets,
                               "grad_outputs": gs}, f"{op}.forward/backward")
        outs, grads = reply.get("outs"), reply.get("grads")
        if not isinstance(outs, list) or not isinstance(grads, list) or len(grads) != 2:
            raise CheckFailed(f"{op}: the worker sent a malformed answer.")
        after = reply.get("inputs_after")
        after = after if isinstance(after, list) and len(after) == 2 else [None, None]
        return [self.check_grads(op, x, gr, g) for x, gr, g in zip(input_sets, grads, gs)], after

    def graph(self, op: str, tensors, args, grad_output) -> tuple[np.ndarray, list]:
        """Call the @tensor_op function on Tensors (``args`` index ``tensors``), backprop."""
        self._require(op)
        tensors = _floats(tensors)
        reply = self._request({"cmd": "graph", "op": op, "tensors": tensors, "args": list(args),
                               "grad_output": np.asarray(grad_output, dtype=np.float64)},
                              f"{op} (forward and backward through edugrad)")
        grads = reply.get("grads")
        if not isinstance(grads, list) or not all(isinstance(x, np.ndarray) for x in grads):
            raise CheckFailed(f"{op}: backpropagation through edugrad gave malformed gradients.")
        return reply.get("out"), grads

    def probe(self, op: str, inputs, grad_output) -> list[str]:
        """What the worker saw backward do (sandboxed/probe.py); [] when it saw nothing
        or the op failed (other checks judge failures)."""
        if op in self.evidence:
            return self.evidence[op]
        found, failure = [], None
        for plain in (False, True):  # again on plain arrays when the watched run hung or died
            try:
                self._require(op)
                reply = self._request({"cmd": "probe", "op": op, "inputs": _floats(inputs),
                                       "grad_output": np.asarray(grad_output, dtype=np.float64),
                                       "plain": plain}, f"{op}.backward")
                found = reply.get("evidence")
                found = _strings(found) if isinstance(found, list) else []
                break
            except CheckFailed as err:
                if self.poison is err:  # a hang or crash: retried, and this test still fails
                    failure, self.poison = failure or err, None
        if failure is not None:
            self.poison = failure
        self.evidence[op] = found
        return found

    def train(self, config: dict, timeout: float) -> dict:
        for op in NAMES:
            self._require(op)
        reply = self._request({"cmd": "train", "config": config}, "training word2vec", timeout)
        for key in ("losses", "embeddings"):
            if not isinstance(reply.get(key), np.ndarray):
                raise CheckFailed("training returned no " + key)
        return reply

    # ------------------------------------------------------------------ form checks
    def _output(self, op: str, out, inputs) -> np.ndarray:
        spec = BY_NAME[op]
        expected = spec.output_shape(inputs[0].shape)
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            out = np.asarray(out, dtype=np.float64)
        elif isinstance(out, np.generic):
            out = np.asarray(out)
        if not isinstance(out, np.ndarray):
            got = "None (is a `return` missing?)" if out is None else _type_name(out)
            raise CheckFailed(f"{op}.forward returned {got}; it must return a numpy array of "
                              f"shape {expected}.", diagnosis="not_an_array")
        if out.shape != expected:
            hint = ""
            if spec.reduces_last_axis and out.shape == inputs[0].shape:
                hint = " It has the inputs' shape: did you forget to sum over the last axis?"
            elif spec.reduces_last_axis and out.shape == ():
                hint = " It is a single number: sum over the last axis only (axis=-1)."
            raise CheckFailed(f"{op}.forward returned shape {out.shape} for input(s) of shape "
                              f"{inputs[0].shape}; expected {expected}.{hint}",
                              diagnosis="wrong_shape")
        _check_precision(out, f"{op}.forward returned")
        return out.astype(np.float64)

    def check_grads(self, op, inputs, grads, grad_output, when: str = "") -> list[np.ndarray]:
        spec = BY_NAME[op]
        parents = [Tensor(a) for a in inputs]
        try:
            checked = check_gradients(_stand_in(op), parents, _rebuild(grads), grad_output)
        except BackwardError as err:
            text, _, fix = str(err).partition("\n  How to fix:")
            if when:
                text = text.replace(".backward ", f".backward{when} ", 1)
            if spec.reduces_last_axis and "shape" in text and grad_output.ndim < inputs[0].ndim:
                # op-specific advice first (edugrad's generic advice is about the opposite case)
                text = (f"{op}.backward{when} returned gradients of the wrong shape. For {op}, "
                        f"grad_output has one number per pair of vectors, shape "
                        f"{grad_output.shape}, but each gradient has the inputs' shape "
                        f"{inputs[0].shape}: every entry of a vector gets a share of its pair's "
                        "number. numpy broadcasting lines up trailing axes, so that number "
                        "needs an axis of its own at the end (g[..., None]). " + _details(text))
                fix = ""
            raise CheckFailed(text + (f"\n  How to fix:{fix}" if fix else ""),
                              diagnosis=GRADIENT_FORM.get(err.kind, "")) from None
        for i, g in enumerate(checked):
            _check_precision(g, f"{op}.backward{when} returned, for `{spec.inputs[i]}`,")
        return [np.asarray(g, dtype=np.float64) for g in checked]


# What edugrad found wrong with a backward's answer (BackwardError.kind) -> mistake key.
GRADIENT_FORM = {"count": "gradient_count", "type": "not_an_array", "shape": "wrong_shape",
                 "dtype": "not_float", "non_finite": "overflow", "in_place": "mutates_grad_output"}


def _details(text: str) -> str:
    """edugrad's sentence with the shapes (the one naming what came back)."""
    first = text.split(". ")[0]
    return f"(edugrad: {first}.)" if "shape" in first else ""


def _check_precision(array: np.ndarray, what: str) -> None:
    """The grader sends float64: an answer in a less precise float type lost digits."""
    if array.dtype.kind == "f" and np.finfo(array.dtype).precision < np.finfo(np.float64).precision:
        raise CheckFailed(
            f"{what} {array.dtype} numbers for float64 inputs, so about half the digits are "
            "lost. Keep the inputs' precision: do not convert with np.float32(...) or "
            ".astype(np.float32), and make new arrays with the inputs' dtype (e.g. "
            "np.zeros_like(a)).", diagnosis="float32")


def _strings(value) -> list[str]:
    return [str(v)[:300] for v in value[:5]] if isinstance(value, list) else []


def _type_name(value) -> str:
    if isinstance(value, Foreign):
        if value.type_name == "ndarray":  # only real-number arrays are sent over
            return ("a numpy array that does not hold real numbers (complex numbers or "
                    "Python objects, e.g. from np.array of a list of Tensors)")
        return f"a {value.type_name}" + (" (return its .value? forward works on numpy "
                                          "arrays, not Tensors)" if value.type_name == "Tensor"
                                          else "")
    return f"a {type(value).__name__}"


def error_diagnosis(info: dict) -> str:
    """The mistake key an exception in the student's code points to, if any."""
    where, text = str(info.get("where") or ""), str(info.get("message") or "")
    if "second time" in where:
        return "repeat_backward"
    if info.get("type") == "ValueError" and "read-only" in text:
        return "mutates_grad_output"
    if info.get("type") == "ValueError" and "broadcast" in text:
        return "wrong_shape"
    return ""


def student_message(info: dict, where: str) -> str:
    """One paragraph about an exception raised by the student's code.

    Only what the submission controls (the exception's type name and text, its line)
    can carry stolen hidden-test source, so only that is redacted: the grader's own
    words stay readable.
    """
    info = {**info, **{k: redact(str(info.get(k, ""))) for k in ("type", "message", "line")}}
    return _student_message(info, where)


def _student_message(info: dict, where: str) -> str:
    kind = str(info.get("type") or "Error")
    text = str(info.get("message", ""))
    if len(text) > 400:
        text = text[:400] + " [...]"
    line = f" at {info['line']}" if info.get("line") else ""
    shapes = str(info.get("shapes") or "")
    called = f" (called with {shapes})" if shapes else ""
    where = str(info.get("where") or where)
    if kind == "NotImplementedError":
        if where == "training word2vec":
            first = text.split(". ")[0].rstrip(".")
            return f"Training word2vec needs every op ({first or 'an op is missing'})."
        return (f"{where} is not implemented yet: write it in ops.py (in place of the "
                "`raise` line), then run make test again.")
    if kind == "OSError" and "File too large" in text:
        return (f"{where} tried to write a file larger than 16 MB{line}; ops should not write "
                "files at all.")
    if kind == "MemoryError":
        return f"{where} ran out of memory{line}{called}."
    if kind == "ValueError" and "read-only" in text:
        return (f"{where} tried to change an array in place{line}{called}: grad_output, or an "
                "input (in training, an op's input can be a read-only view of another "
                "array). Ops must not modify those; compute a new array instead.")
    if kind == "SystemExit":
        return f"{where} called sys.exit(){line}; an op must return, never end the program."
    if kind == "KeyboardInterrupt":
        return f"{where} raised KeyboardInterrupt{line}."
    if kind == "LookupError" and "no usable op" in text:
        return f"{where}: the op is missing or not an Operation."
    if kind == "TrainingDiverged":
        what = text.split(" If `make test`")[0]  # the CLI's advice on settings does not apply
        return (f"{what} The grader's settings train the reference ops without trouble, so "
                "one of your ops is wrong: see the op tests for which.")
    if kind == "ValueError" and "broadcast" in text and where.endswith(".backward"):
        spec = BY_NAME.get(where.split(".")[0])
        if spec is not None and spec.reduces_last_axis:
            return (f"{where} raised ValueError{line}{called}: {text}. grad_output has one "
                    "number per pair of vectors (shape (...)), the inputs have shape (..., d): "
                    "numpy broadcasting lines up trailing axes, so each number needs an axis "
                    "of its own at the end before it can meet the d entries of its vectors.")
    return f"{where} raised {kind}{line}{called}: {text}"
