"""The hidden checks: the public kinds on other inputs, and a training run with other settings."""

import os

from grader.rubric.cases import load
from grader.rubric.suite import tests

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.npz")

globals().update(tests(load(CASES), hidden=True, run="long"))
