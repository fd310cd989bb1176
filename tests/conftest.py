"""Shared test settings: hypothesis profiles, and the catalog graded in the background.

``ci`` (the default) has no deadline (2 shared cores make timings noisy) and a moderate
number of examples.  Choose another with ``HYPOTHESIS_PROFILE=thorough pytest`` or
``pytest --hypothesis-profile=thorough``.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=30, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The catalog tests (tests/grader/test_catalogs.py) grade ~120 submissions with one
# grade-all: most of the suite's time, spent in subprocesses.  It is started when the
# session starts and those tests run last, so the other tests run meanwhile.
CATALOG_TESTS = "test_catalogs.py"


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name == CATALOG_TESTS)  # stable: order kept


@pytest.fixture(scope="session", autouse=True)
def _catalog_graded_in_the_background(request, tmp_path_factory):
    module = next((item.module for item in request.session.items
                   if item.path.name == CATALOG_TESTS), None)
    started = module.start_grading(tmp_path_factory) if module is not None else None
    yield
    if started is not None:
        started.kill()  # the session ended (or stopped early) before it was waited for
