"""`python -m grader.gradescope [--out dist/autograder.zip]`: build the bundle."""

import sys

from grader.gradescope.bundle import main

sys.exit(main())
