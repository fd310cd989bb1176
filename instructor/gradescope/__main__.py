"""`python -m instructor.gradescope [--out dist/autograder.zip]`: build the bundle."""

import sys

from instructor.gradescope.bundle import main

sys.exit(main())
