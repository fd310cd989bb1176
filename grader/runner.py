"""Run the rubric (pytest, in this process) against one submission and collect outcomes.

The submission itself only ever runs in the sandbox the ``sub`` fixture starts;
this process runs the rubric tests, which judge what the sandbox sends back.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from dataclasses import dataclass

# Imported here, before pytest.main: pytest rewrites the asserts of every module of an
# installed pytest plugin (hypothesis is one) that is first imported during its run,
# and where bytecode is not written (PYTHONDONTWRITEBYTECODE) it does so again in every
# grade process: 2-3 s of compiling per submission.  The rubric's own asserts are
# still rewritten.
import hypothesis.extra.numpy  # noqa: F401
import hypothesis.strategies  # noqa: F401
import pytest

from grader.rubric.weights import ITEMS

RUBRIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rubric")
PUBLIC = os.path.join(RUBRIC, "public")
HIDDEN = os.path.join(RUBRIC, "hidden")
TEST_TIMEOUT = 150  # seconds per rubric test (a backstop; the sandbox times requests)


@dataclass
class Outcome:
    nodeid: str
    name: str          # one line for people: what the test checks
    item: str          # rubric item, e.g. "sigmoid_backward" or "training"
    points: float
    passed: bool
    message: str       # feedback when failed ("" when passed)
    hidden: bool
    seconds: float = 0.0

    @property
    def op(self) -> str:
        return self.item.split("_")[0] if self.item != "training" else "training"

    @property
    def part(self) -> str:
        return self.item.split("_", 1)[1] if "_" in self.item else "training"


class _Collector:
    """pytest plugin: hands the submission path to the fixture, records outcomes."""

    def __init__(self, ops_path: str):
        self.ops_path = ops_path
        self.outcomes: dict[str, Outcome] = {}
        self.order: list[str] = []

    def pytest_configure(self, config):
        config.hw3_ops_path = self.ops_path

    def pytest_collection_modifyitems(self, items):
        for item in items:
            points = item.get_closest_marker("points")
            rubric = [m.name for m in item.iter_markers() if m.name in ITEMS]
            doc = (item.function.__doc__ or item.name).strip().splitlines()[0]
            op = item.callspec.params.get("op") if hasattr(item, "callspec") else None
            item_name = rubric[0] if rubric else "unweighted"
            title = f"{op}: {doc}" if op else (
                f"{item_name.split('_')[0]}: {doc}" if item_name != "training" else
                f"training: {doc}")
            self.outcomes[item.nodeid] = Outcome(
                item.nodeid, title, item_name, float(points.args[0]) if points else 0.0,
                False, "not run", os.sep + "hidden" + os.sep in str(item.path))
            self.order.append(item.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = (yield).get_result()
        outcome = self.outcomes.get(item.nodeid)
        if outcome is None:
            return
        if report.when == "call":
            outcome.seconds = report.duration
        if report.when == "call" and report.passed:
            outcome.passed, outcome.message = True, ""
        elif report.failed:
            outcome.passed = False
            op = item.callspec.params.get("op") if hasattr(item, "callspec") else None
            outcome.message = _message(call.excinfo, op or outcome.op)
        elif report.skipped and report.when != "teardown":
            outcome.passed, outcome.message = False, "skipped"


def _message(excinfo, op: str | None = None) -> str:
    if excinfo is None:
        return "failed"
    err = excinfo.value
    if isinstance(err, AssertionError):
        text = str(err).strip()
        return text or "a check failed"
    name = type(err).__name__
    if "Timeout" in name or "Failed: Timeout" in str(err):
        return "this test took too long and was stopped."
    if _is_flaky(err):
        return _flaky_message(err, op)
    return (f"the grader could not finish this test ({name}: {str(err)[:300]}). This is "
            "likely a problem in the grader, not your code: please tell the course staff.")


def _is_flaky(err: BaseException) -> bool:
    try:
        from hypothesis.errors import Flaky
    except ImportError:  # pragma: no cover - hypothesis is a dependency of the rubric
        return False
    backend = getattr(__import__("hypothesis.errors").errors, "FlakyBackendFailure", ())
    return isinstance(err, Flaky) and not (backend and isinstance(err, backend))


def _flaky_message(err: BaseException, op: str | None) -> str:
    """Hypothesis ran one example twice and it failed only once: the op's answers
    changed between identical calls (randomness, state kept between calls, timers)."""
    who = op if op and op != "unweighted" else "your code"
    first = next((str(e).strip() for e in getattr(err, "exceptions", ())
                  if isinstance(e, AssertionError) and str(e).strip()), "")
    return (f"{who} gave different answers for the same inputs: the same check failed "
            "once and passed when run again, so the op must depend on something besides "
            "its inputs (randomness, state kept between calls, a timer)."
            + (f" The failing run said: {first}" if first else ""))


def run_rubric(ops_path: str, hidden: bool, collect_only: bool = False
               ) -> tuple[list[Outcome], float]:
    """Run public (and hidden) rubric tests on ``ops_path``; (outcomes, seconds)."""
    collector = _Collector(os.path.abspath(ops_path))
    if not collect_only:
        # The folders around the submission (its classmates, when graded from the class
        # folder) are hidden from its process too; grade-all adds the class and output
        # folders themselves.
        from grader.confine import HIDE_ENV, folders_around

        os.environ[HIDE_ENV] = os.pathsep.join(
            [*filter(None, os.environ.get(HIDE_ENV, "").split(os.pathsep)),
             *folders_around(ops_path)])
    paths = [PUBLIC] + ([HIDDEN] if hidden and os.path.isdir(HIDDEN) else [])
    args = [*paths, "-c", os.devnull, "--rootdir", RUBRIC, "-p", "no:cacheprovider",
            "-p", "no:randomly", "--strict-markers", "-q", f"--timeout={TEST_TIMEOUT}",
            "--timeout-method=signal", "-o", "python_files=test_*.py",
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if collect_only:
        args.append("--collect-only")
    start = time.monotonic()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = pytest.main(args, plugins=[collector])
    seconds = time.monotonic() - start
    outcomes = [collector.outcomes[n] for n in collector.order]
    if not outcomes or code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError("the rubric could not be collected:\n" + sink.getvalue()[-3000:])
    if hidden and not collect_only:
        warn_if_not_isolated()
    return outcomes, seconds


def warn_if_not_isolated() -> str:
    """Print (to stderr) and return the warning when the sandbox could not confine the
    submission fully on this machine (``grader.confine.status``); "" when it could."""
    from grader.confine import status

    message = status().message
    if message:
        print(message, file=sys.stderr, flush=True)
    return message
