"""Command-line mistakes in one paragraph, with "did you mean".

``Parser`` is a drop-in ``argparse.ArgumentParser`` for the commands students type
(``python -m hw3.word2vec``, ``python -m grader``, ``python -m hw3.handin``, ...).
Where argparse prints a usage block and ``unrecognized arguments: --epochz 3``, it
prints one paragraph naming the unknown option and the closest real one (difflib),
and exits with status 2 as argparse does.

Abbreviations are off (``allow_abbrev=False``): ``--output`` must not silently mean
``--outputs`` when ``--out`` exists too; a misspelt option gets a suggestion instead.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys

UNRECOGNIZED = "unrecognized arguments: "
INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")
QUOTED = re.compile(r"'([^']*)'")


def closest(word: str, candidates) -> str | None:
    """The candidate most like ``word``, or None when none is close."""
    found = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return found[0] if found else None


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [s for a in parser._actions for s in a.option_strings if s.startswith("--")]


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one paragraph, with "did you mean"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._given: list[str] = []

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _chosen(self) -> argparse.ArgumentParser:
        """The sub-command's parser when one was given (its options are the candidates)."""
        sub = _subparsers(self)
        if sub is not None:
            for word in self._given:
                if word in sub.choices:
                    return sub.choices[word]
        return self

    def explain(self, message: str) -> str:
        """argparse's ``message`` as one paragraph for the person at the keyboard."""
        chosen = self._chosen()
        # Not "python -m ... --help": under make (`make train ARGS=...`) that command
        # would run outside the venv; adding --help works wherever the mistake was made.
        helper = "Add --help to see every option."
        if message.startswith(UNRECOGNIZED):
            extra = message[len(UNRECOGNIZED):].split()
            known = _options(self) + (_options(chosen) if chosen is not self else [])
            parts = []
            for word in extra:
                if not word.startswith("-"):
                    continue  # most likely the value of the unknown option before it
                name = word.split("=", 1)[0]
                guess = closest(name, known)
                parts.append(f"{name} (did you mean {guess}?)" if guess else name)
            if not parts:
                return (f"unexpected argument{'s' if len(extra) > 1 else ''} "
                        f"{' '.join(extra)}. {helper}")
            return (f"unknown option{'s' if len(parts) > 1 else ''} {', '.join(parts)}. "
                    f"{helper}")
        match = INVALID_CHOICE.search(message)
        if match and "meant" not in message:  # Python 3.14 may suggest one itself
            listed = match.group(2)
            choices = QUOTED.findall(listed) or [c.strip() for c in listed.split(",")]
            guess = closest(match.group(1), choices)
            if guess:
                return f"{message.rstrip('.')}: did you mean {guess!r}? {helper}"
        return f"{message.rstrip('.')}. {helper}"

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {self.explain(message)}\n")
