"""The rubric's pytest plugin: the ``sub`` fixture, the ``rubric`` marker, grading settings.

Loaded by ``grader.runner`` for every rubric run (public and hidden tests alike), so
the tests themselves hold only what they check.  ``sub`` is a
``grader.subject.Subject``: a proxy to the sandboxed workers running the submission
(``config.hw3_ops_path``, set by the runner; ``$HW3_OPS`` or starter/ops.py when
pytest is run on the rubric by hand).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from grader.sandbox import Sandbox
from grader.subject import Subject

# Same submission -> same examples -> same score; no shrinking (a slow or crashing
# submission must not be re-run hundreds of times); no example database on disk.
settings.register_profile(
    "grading", derandomize=True, deadline=None, database=None, max_examples=12,
    phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
    print_blob=False, report_multiple_bugs=False)
settings.load_profile("grading")


def _draw_from_the_strategies_alone() -> None:
    """Recent hypothesis versions also draw numbers they find written in the source of the
    local modules imported so far. The examples a submission is judged on would then
    change with any edit of the grader, and differ between ``make test`` in the release
    and the bundle's grading (which import other modules). Grading turns that off, so the
    examples depend on the seed, the strategies and the hypothesis version only; it
    also saves scanning every local module in every grade."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without that module
        return
    if hasattr(providers, "_get_local_constants") and hasattr(providers, "Constants"):
        none = providers.Constants()
        providers._get_local_constants = lambda: none


_draw_from_the_strategies_alone()

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_configure(config):
    config.addinivalue_line("markers", "rubric(key): the registry check this test is")


@pytest.fixture(scope="session")
def sub(request):
    path = getattr(request.config, "hw3_ops_path", None) or os.environ.get(
        "HW3_OPS", os.path.join(ROOT, "starter", "ops.py"))
    with Sandbox(path) as sandbox:
        yield Subject(sandbox)


@pytest.fixture(autouse=True)
def _fresh_test(request):
    if "sub" in request.fixturenames:
        request.getfixturevalue("sub").new_test()
    yield
