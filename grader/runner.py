"""Run the rubric (pytest, in this process) against one submission and collect outcomes.

The submission itself only ever runs in the sandbox the ``sub`` fixture starts;
this process runs the rubric tests, which judge what the sandbox sends back.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import time
from dataclasses import dataclass

import pytest

from grader.subject import CheckFailed
from hw3 import registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUBRIC = os.path.join(ROOT, "grader", "rubric")
PUBLIC = os.path.join(RUBRIC, "public")
HIDDEN = os.path.join(ROOT, "instructor", "hidden")  # absent in the student release
TEST_TIMEOUT = 150  # seconds per rubric test (a backstop; the sandbox times requests)


@dataclass
class Outcome:
    nodeid: str
    key: str           # the registry check, e.g. "backward_exact"
    op: str            # the op, or "training"
    hidden: bool
    points: float
    passed: bool = False
    message: str = "not run"  # feedback when failed ("" when passed)
    diagnosis: str = ""       # key of a recognised mistake (grader.diagnose), if any
    seconds: float = 0.0
    number: int = 0           # position in rubric order, from 1

    @property
    def category(self) -> str:
        return registry.CHECKS_BY_KEY[self.key].category

    @property
    def name(self) -> str:
        """One line for people: the op and what the test checks."""
        return f"{self.op}: {registry.CHECKS_BY_KEY[self.key].title}"


class RubricError(RuntimeError):
    """The rubric and hw3/registry.py disagree (a maintainer's mistake)."""


def _order() -> dict[tuple, int]:
    return {(c.key, op or "training", h): n for n, (c, op, h, _) in enumerate(registry.items())}


class _Collector:
    """pytest plugin: hands the submission path to the fixture, records outcomes."""

    def __init__(self, ops_path: str, hidden: bool):
        self.ops_path = ops_path
        self.hidden = hidden
        self.outcomes: dict[str, Outcome] = {}
        self.order: list[str] = []
        self.problems: list[str] = list(registry.problems())

    def pytest_configure(self, config):
        config.hw3_ops_path = self.ops_path

    def pytest_collection_modifyitems(self, items):
        rank = _order()
        kept = []
        for item in items:
            marker = item.get_closest_marker("rubric")
            op = item.callspec.params.get("op") if hasattr(item, "callspec") else None
            if marker is None or not isinstance(op, (str, type(None))):
                continue  # not a rubric test, or an empty parametrization
            key = marker.args[0]
            hidden = not str(item.path).startswith(PUBLIC + os.sep)
            if key not in registry.CHECKS_BY_KEY:
                self.problems.append(f"{item.nodeid}: no check {key!r} in hw3/registry.py")
                continue
            value = registry.points(key, op, hidden)
            self.outcomes[item.nodeid] = Outcome(item.nodeid, key, op or "training", hidden,
                                                 value)
            kept.append(item)
        got = {(o.key, o.op, o.hidden) for o in self.outcomes.values()}
        want = {(c.key, op or "training", h) for c, op, h, _ in registry.items()
                if self.hidden or not h}
        for key, op, hidden in sorted(want - got):
            self.problems.append(f"hw3/registry.py gives {key} of {op} "
                                 f"{'hidden' if hidden else 'public'} points, but no test "
                                 "checks it")
        for key, op, hidden in sorted(got - want):
            self.problems.append(f"a {'hidden' if hidden else 'public'} test checks {key} of "
                                 f"{op}, which has no such points in hw3/registry.py")
        kept.sort(key=lambda i: rank.get((self.outcomes[i.nodeid].key, self.outcomes[i.nodeid].op,
                                          self.outcomes[i.nodeid].hidden), len(rank)))
        for n, item in enumerate(kept, 1):
            self.outcomes[item.nodeid].number = n
            self.order.append(item.nodeid)
        # Every public test runs before any hidden one (numbers keep rubric order): the
        # submission sees no hidden input until every visible result is written, so no
        # visible message can carry one, and the public results are make test's.
        items[:] = sorted(kept, key=lambda i: self.outcomes[i.nodeid].hidden)

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
            outcome.message = _message(call.excinfo)
            err = call.excinfo.value if call.excinfo is not None else None
            outcome.diagnosis = getattr(err, "diagnosis", "") if isinstance(
                err, CheckFailed) else ""
        elif report.skipped and report.when != "teardown":
            outcome.passed, outcome.message = False, "skipped"


def _message(excinfo) -> str:
    if excinfo is None:
        return "failed"
    err = excinfo.value
    if isinstance(err, AssertionError):
        text = str(err).strip()
        return text or "a check failed"
    name = type(err).__name__
    if "Timeout" in name or "Failed: Timeout" in str(err):
        return "this test took too long and was stopped."
    return (f"the grader could not finish this test ({name}: {str(err)[:300]}). This is "
            "likely a problem in the grader, not your code: please tell the course staff.")


@contextlib.contextmanager
def _collector_spared():
    """What is imported before the run (pytest, numpy, the grader) lives as
    long as the process: frozen, the cyclic garbage collector stops walking it again and
    again, and during the run it collects every 20,000 new objects instead of 700.
    Both are put back afterwards."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(20_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def run_rubric(ops_path: str, hidden: bool, collect_only: bool = False
               ) -> tuple[list[Outcome], float]:
    """Run public (and hidden) rubric tests on ``ops_path``; (outcomes, seconds)."""
    collector = _Collector(os.path.abspath(ops_path), hidden)
    if not collect_only:
        # The folders around the submission (its classmates, when graded from the class
        # folder) are hidden from its process too; grade-all adds the class and output
        # folders themselves.
        from grader.confine import HIDE_ENV, folders_around

        os.environ[HIDE_ENV] = os.pathsep.join(
            [*filter(None, os.environ.get(HIDE_ENV, "").split(os.pathsep)),
             *folders_around(ops_path)])
    paths = [PUBLIC] + ([HIDDEN] if hidden and os.path.isdir(HIDDEN) else [])
    args = [*paths, "-c", os.devnull, "--rootdir", ROOT, "-p", "no:cacheprovider",
            "-p", "grader.rubric.plugin", "-p", "no:hypothesispytest",
            "-p", "no:randomly", "--strict-markers", "-q", f"--timeout={TEST_TIMEOUT}",
            "--timeout-method=signal", "-o", "python_files=test_*.py",
            "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if collect_only:
        args.append("--collect-only")
    start = time.monotonic()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _collector_spared():
        code = pytest.main(args, plugins=[collector])
    seconds = time.monotonic() - start
    if collector.problems:
        raise RubricError("the rubric does not match hw3/registry.py:\n  - "
                          + "\n  - ".join(collector.problems))
    outcomes = [collector.outcomes[n] for n in collector.order]
    if not outcomes or code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError("the rubric could not be collected:\n" + sink.getvalue()[-3000:])
    return outcomes, seconds
