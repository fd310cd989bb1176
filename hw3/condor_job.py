"""One job of a submit file, and what condor makes of its expanded commands.

HTCondor's Python bindings stop at the expanded strings (``htcondor2.Submit.expand``);
turning them into what runs is done here, by the rules of the condor_submit manual:
``executable`` and ``initialdir`` are relative to the directory condor_submit runs in;
``input``, ``output``, ``error`` and ``log`` are relative to ``initialdir``; ``arguments``
and ``environment`` are split by condor's quoting rules (new syntax inside double quotes,
the old one otherwise). No shell is involved, so ``~`` and ``$HOME`` are not expanded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from hw3.errors import UsageError

# A new-syntax argument: characters and '...' groups (with '' inside), up to a space.
QUOTED = re.compile(r"'((?:[^']|'')*)'")
ARGUMENT = re.compile(r"(?:[^\s']|'(?:[^']|'')*')+")


class SubmitFileError(UsageError):
    """The submit file cannot be used; the message names the line and the fix."""


@dataclass
class Job:
    """One job: its $(Process), queue variables and every command's expanded value."""

    proc: int
    item: dict  # queue variable -> value (empty for a bare `queue N`)
    commands: dict  # lower-case command name -> expanded value
    submit_dir: Path  # where condor_submit runs (absolute)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.commands.get(name.lower(), default)

    @property
    def initialdir(self) -> Path:
        iwd = self.get("initialdir") or self.get("iwd")
        return absolute(iwd, self.submit_dir) if iwd else self.submit_dir

    @property
    def executable(self) -> Path:
        exe = self.get("executable")
        if not exe:
            raise SubmitFileError("The submit file has no `executable = ...` line; add one.")
        return absolute(exe, self.submit_dir)

    def path(self, name: str) -> Path | None:
        """input / output / error / log as an absolute path (None when not set)."""
        value = self.get(name)
        return absolute(value, self.initialdir) if value else None

    @property
    def arguments(self) -> list[str]:
        return parse_arguments(self.get("arguments") or "")

    @property
    def environment(self) -> dict:
        return parse_environment(self.get("environment") or "")

    @property
    def getenv(self) -> bool | list[str]:
        """True/False, or the variable names/patterns to copy (newer condor)."""
        value = (self.get("getenv") or "").strip()
        if value.lower() in ("true", "yes", "1"):
            return True
        if value.lower() in ("false", "no", "0", ""):
            return False
        return [v for v in re.split(r"[\s,]+", value) if v]


def absolute(value: str, base: Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


def parse_arguments(value: str) -> list[str]:
    """``arguments`` as argv. New syntax (the value in double quotes): split on spaces,
    '...' groups, '' is a literal ' and "" a literal ". Old syntax: split on spaces,
    \\" is a literal "."""
    value = value.strip()
    if not value.startswith('"'):
        return [a.replace('\\"', '"') for a in value.split()]
    if len(value) < 2 or not value.endswith('"'):
        raise SubmitFileError(
            f"arguments = {value}: the opening double quote has no closing one. In the "
            'new syntax the whole list is inside "...", with "" for a literal quote.'
        )
    inner = value[1:-1].replace('""', '"')
    words = ARGUMENT.findall(inner)
    if re.sub(r"\s", "", "".join(words)) != re.sub(r"\s", "", inner):
        raise SubmitFileError(
            f"arguments = {value}: a single quote is not closed. Inside the new syntax, "
            "wrap an argument with spaces in '...' and write '' for a literal quote."
        )
    return [QUOTED.sub(lambda m: m[1].replace("''", "'"), word) for word in words]


def parse_environment(value: str) -> dict:
    """``environment`` as a dict: new syntax (in double quotes) split like arguments,
    else the old ``NAME=value;NAME=value``."""
    value = value.strip()
    if value.startswith('"'):
        entries = parse_arguments(value)
    else:
        entries = [e for e in value.split(";") if e.strip()]
    env = {}
    for entry in entries:
        name, eq, val = entry.partition("=")
        if not eq or not name.strip():
            raise SubmitFileError(
                f"environment: the entry {entry!r} is not NAME=value. Write "
                'environment = "NAME=value OTHER=value".'
            )
        env[name.strip()] = val
    return env
