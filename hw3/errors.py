"""Errors that carry a friendly, one-paragraph message for the person at the keyboard.

The command line prints ``str(error)`` and exits with status 2; no traceback.
"""


class UsageError(Exception):
    """Bad input (arguments, corpus, ops file): the message says what and how to fix it."""


class TrainingDiverged(UsageError):
    """The loss became NaN or infinite during training."""
