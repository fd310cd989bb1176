"""Errors that carry a friendly, one-paragraph message for the person at the keyboard.

The command line prints ``str(error)`` and exits with status 2; no traceback.
"""


# A source file that is not UTF-8: Python's SyntaxError says this, and what to tell the student.
NOT_UTF8 = "codec can't decode"
UTF8_ADVICE = ("it holds a byte UTF-8 does not allow (an accented letter saved as Latin-1, say). "
               "Save the file as UTF-8 in your editor, or remove that character")


class UsageError(Exception):
    """Bad input (arguments, corpus, ops file): the message says what and how to fix it."""


class TrainingDiverged(UsageError):
    """The loss became NaN or infinite during training."""
