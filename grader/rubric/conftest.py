"""Rubric plumbing: markers, the hypothesis grading profile, the `sub` fixture.

`sub` is a ``grader.subject.Subject``: a proxy to the sandboxed worker running the
submission under test (``config.hw3_ops_path``, set by ``grader.runner``; when
pytest is run on this folder by hand, ``$HW3_OPS`` or ``starter/ops.py``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from grader.rubric.weights import ITEMS
from grader.sandbox import Sandbox
from grader.subject import Subject

# Same submission -> same examples -> same score; no shrinking (a slow or crashing
# submission must not be re-run hundreds of times); no example database on disk.
settings.register_profile(
    "grading", derandomize=True, deadline=None, database=None, max_examples=25,
    phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
    print_blob=False, report_multiple_bugs=False)
settings.load_profile("grading")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): the test's weight in the rubric")
    for item in ITEMS:
        config.addinivalue_line("markers", f"{item}: rubric item {item.replace('_', ' ')}")


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
