"""Rubric items: one pytest marker each (``sigmoid_forward``, ..., ``training``).

A test carries its item's marker and ``@pytest.mark.points(n)``; an item's score is
the sum of the points of its passed tests.  Public + hidden points sum to 100
(tests/grader checks it).
"""

OPS = ("sigmoid", "log", "multiply", "dot")
PARTS = ("forward", "backward", "properties")
ITEMS = tuple(f"{op}_{part}" for op in OPS for part in PARTS) + ("training",)
TOTAL = 100
