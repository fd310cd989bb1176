# HOSTILE: calls os._exit(0) at import time (the process vanishes with a success status); the ops below are correct.
import os


os._exit(0)
