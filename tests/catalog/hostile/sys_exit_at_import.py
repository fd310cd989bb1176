# HOSTILE: calls sys.exit(0) at import time, so nothing can be graded; the ops below are correct.
import sys


sys.exit(0)
