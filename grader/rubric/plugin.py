"""The rubric's pytest plugin: the ``sub`` fixture and the ``rubric`` marker.

Loaded by ``grader.runner`` for every rubric run (public and hidden tests alike), so
the tests themselves hold only what they check.  ``sub`` is a
``grader.subject.Subject``: a proxy to the sandboxed workers running the submission
(``config.hw3_ops_path``, set by the runner; ``$HW3_OPS`` or starter/ops.py when
pytest is run on the rubric by hand).
"""

from __future__ import annotations

import os

import pytest

from grader.sandbox import Sandbox
from grader.subject import Subject

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
