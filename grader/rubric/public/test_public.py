"""The public checks (what `make test` runs): built from hw3/registry.py by suite.py."""

from grader.rubric.cases import load
from grader.rubric.suite import tests
from grader.training import PUBLIC_RUN

globals().update(tests(load(), hidden=False, run=PUBLIC_RUN))
