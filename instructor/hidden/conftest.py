"""Grading mode: what the instructors' side adds when the hidden tests are collected.

The op-specific mistake tables join the feedback, and the training checks use the
private reference runs: the hidden run, and the public run with settings
students do not have (so a replayed public curve earns nothing).
"""

import os

from grader import diagnose, training
from instructor import mistakes

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(os.path.dirname(HERE), "reference")

diagnose.register(mistakes.candidates)
for _name in ("short", "long"):
    training.register(_name, os.path.join(REFERENCE, f"{_name}.json"))
