"""Run submissions through the sandbox (no rubric) and report what each op answered.

    python tests/isolation/drive.py [--expect-route ROUTE] REPORT.json OPS.py [OPS.py ...]

For each submission: one ``Sandbox``; every op's forward and backward once on small
inputs (where a hostile entry's attack fires), checked here against numpy; then
the sandbox is closed.  ``$HW3_DRIVE_ROOT`` names the repository (or copy) to use.  REPORT.json holds, per submission, per op and call, "ok",
"wrong" or the failure's message, and ``confine.status()`` of this process.  The
isolation tests start this under ``host.py`` to see what holds on other hosts; with
``--expect-route``, nothing is run unless ``confine.route()`` is that route.
"""

from __future__ import annotations

import json
import os
import sys
import time

# The repository to grade with: this one, or a copy (HW3_DRIVE_ROOT: a fake /autograder).
ROOT = os.environ.get("HW3_DRIVE_ROOT") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from grader import confine  # noqa: E402
from grader.sandbox import Sandbox, StudentError, WorkerFailure  # noqa: E402

RNG = np.random.default_rng(0)
A, B, G = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
POSITIVE = RNG.uniform(0.5, 2.0, size=(3, 4))
SIG = 1 / (1 + np.exp(-A))
CALLS = {  # op -> (inputs, grad_output, forward, gradients)
    "sigmoid": ([A], G, SIG, [G * SIG * (1 - SIG)]),
    "log": ([POSITIVE], G, np.log(POSITIVE), [G / POSITIVE]),
    "multiply": ([A, B], G, A * B, [G * B, G * A]),
    "dot": ([A, B], G[:, 0], np.sum(A * B, -1), [G[:, :1] * B, G[:, :1] * A]),
}


def _call(box: Sandbox, message: dict, where: str, check) -> str:
    try:
        reply = box.request(message, where)
    except StudentError as err:
        return f"error: {err.info.get('type')}: {err.info.get('message')}"
    except WorkerFailure as failure:
        return f"failure ({failure.kind}): {failure.message}"
    try:
        return "ok" if check(reply) else "wrong"
    except Exception as err:  # noqa: BLE001 - a malformed answer
        return f"wrong ({type(err).__name__})"


def drive(path: str) -> dict:
    report = {}
    with Sandbox(path, timeout=10.0) as box:
        for op, (inputs, grad, out, grads) in CALLS.items():
            report[op] = {
                "forward": _call(box, {"cmd": "forward", "op": op, "inputs": inputs},
                                 f"{op}.forward",
                                 lambda r, out=out: np.allclose(r["out"], out)),
                "backward": _call(box, {"cmd": "backward", "op": op, "inputs": inputs,
                                        "grad_output": grad}, f"{op}.backward",
                                  lambda r, grads=grads: all(
                                      np.allclose(g, w) for g, w in zip(r["grads"], grads))),
            }
    return report


def main(argv: list[str]) -> int:
    expect = None
    if argv[:1] == ["--expect-route"]:
        expect, argv = argv[1], argv[2:]
    out, paths = argv[0], argv[1:]
    start = time.monotonic()
    status = confine.status()
    report = {"route": confine.route(), "summary": status.summary, "holds": status.holds(),
              "message": status.message, "submissions": {}}
    if expect is not None and report["route"] != expect:  # never let hostile code loose
        paths = []                                         # on a route not meant for it
        report["refused"] = f"route {report['route']!r}, not {expect!r}: nothing was run"
    for path in paths:
        report["submissions"][os.path.basename(path)] = drive(path)
    report["seconds"] = round(time.monotonic() - start, 2)
    with open(out, "w") as f:
        json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
