"""Read an HTCondor submit file the way ``condor_submit`` does, without HTCondor.

Enough of the submit language for the files in ``condor/`` and for the dry run
(``python -m hw3.condor_dryrun``): ``key = value`` commands (case-insensitive keys,
``#`` comments, ``\\`` line continuation), macros ``$(name)``, ``$(name:default)``,
``$ENV(NAME)`` and the file-name macro ``$F<flags>(name)``, and one ``queue``
statement in any of its forms (``queue [N]``, ``queue [N] [vars] in (...)``,
``queue [N] [vars] from FILE`` or ``from ( ... )``, ``queue [N] [var] matching glob``).

Path rules (from the condor_submit manual): ``executable`` and a ``queue ... from``
file are relative to the directory you run condor_submit in; ``output``, ``error``,
``input`` and ``log`` are relative to ``initialdir`` (which itself defaults to that
directory).  The maintainers' tests check this reader against HTCondor's own parser
(the ``htcondor2`` Python bindings).
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from hw3.errors import UsageError

# Commands whose relative paths are taken from initialdir rather than the submit directory.
IWD_RELATIVE = ("output", "error", "input", "log")
_MACRO = re.compile(r"\$(\$)?(?:([A-Za-z]+)?\(([^()]*)\))")
_QUEUE = re.compile(
    r"""^queue
        (?:\s+(?P<count>\d+))?
        (?:\s*(?P<vars>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)?
           \s+(?P<kw>in|from|matching)\b(?P<rest>.*))?
        \s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SLICE = re.compile(r"^\[(-?\d*)(?::(-?\d*))?(?::(\d*))?\]\s*")


class SubmitFileError(UsageError):
    """The submit file cannot be read; the message names the line and the fix."""


@dataclass
class Job:
    """One job of a submit file, with every command's value macro-expanded."""

    proc: int  # the job's $(Process)
    item: dict  # the queue variables for this job (empty for a bare `queue N`)
    commands: dict  # lower-case command name -> expanded value
    submit_dir: Path  # where condor_submit runs (absolute)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.commands.get(name.lower(), default)

    @property
    def initialdir(self) -> Path:
        iwd = self.get("initialdir") or self.get("iwd")
        return _absolute(iwd, self.submit_dir) if iwd else self.submit_dir

    @property
    def executable(self) -> Path:
        exe = self.get("executable")
        if not exe:
            raise SubmitFileError("The submit file has no `executable = ...` line; add one.")
        return _absolute(exe, self.submit_dir)

    @property
    def arguments(self) -> list[str]:
        return parse_arguments(self.get("arguments", "") or "")

    def path(self, name: str) -> Path | None:
        """output / error / input / log as an absolute path (None when not set)."""
        value = self.get(name)
        if not value:
            return None
        return _absolute(value, self.initialdir)

    @property
    def environment(self) -> dict:
        return parse_environment(self.get("environment", "") or "")

    @property
    def getenv(self) -> bool | list[str]:
        """True/False, or the list of variable names/patterns to copy (newer condor)."""
        value = (self.get("getenv") or "false").strip()
        if value.lower() in ("true", "yes", "1"):
            return True
        if value.lower() in ("false", "no", "0", ""):
            return False
        return [v for v in re.split(r"[\s,]+", value) if v]


@dataclass
class SubmitFile:
    """A parsed submit description: commands in order, and the queue statement."""

    commands: dict  # lower-case name -> raw (unexpanded) value, last assignment wins
    names: dict  # lower-case name -> name as written
    queue_line: str
    queue_count: int
    queue_vars: list[str]
    items: list[dict] = field(default_factory=list)
    submit_dir: Path = field(default_factory=Path.cwd)
    path: str | None = None  # as given to condor_submit: the value of $(SUBMIT_FILE)

    def jobs(self, overrides: dict | None = None, cluster: str = "1") -> list[Job]:
        """Every job condor_submit would queue, in order, macros expanded.

        ``overrides`` (name -> value) act like ``condor_submit -append``: set just
        before the queue statement, so they win over the file's own lines.
        ``cluster`` is the value of $(Cluster) (unknown until a real submission).
        """
        commands = dict(self.commands)
        for key, value in (overrides or {}).items():
            commands[key.lower()] = value
        rows = self.items if self.queue_vars else [{}]  # `queue VAR in/from` may list none
        jobs = []
        proc = 0
        for index, row in enumerate(rows):
            for step in range(self.queue_count):
                live = {k.lower(): v for k, v in row.items()}
                live.update({
                    "process": str(proc), "procid": str(proc), "cluster": cluster,
                    "clusterid": cluster, "step": str(step), "itemindex": str(index),
                    "row": str(index),
                })
                expander = _Expander(commands, live, self.defaults())
                expanded = {name: expander.expand(name) for name in commands}
                jobs.append(Job(proc, dict(row), expanded, self.submit_dir))
                proc += 1
        return jobs

    def defaults(self) -> dict:
        return {} if self.path is None else {"submit_file": self.path}


def _absolute(value: str, base: Path) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


class _Expander:
    """Expands $(...) macros: queue variables, then the file's commands, then defaults."""

    def __init__(self, commands: dict, live: dict, defaults: dict):
        self.commands = commands
        self.live = live
        self.defaults = defaults

    def lookup(self, name: str, depth: int) -> str | None:
        key = name.lower()
        if key in self.live:
            return self.live[key]
        if key in self.commands:
            return self._expand_text(self.commands[key], depth + 1)
        if key in self.defaults:
            return self.defaults[key]
        return None

    def expand(self, name: str) -> str:
        return self._expand_text(self.commands[name.lower()], 0)

    def _expand_text(self, text: str, depth: int) -> str:
        if depth > 30:
            raise SubmitFileError(
                f"Macro expansion of {text!r} does not terminate (a macro refers to itself); "
                "check the $(...) references in the submit file."
            )

        def replace(match: re.Match) -> str:
            if match.group(1):  # $$(...) is for the execute machine: keep it
                return match.group(0)
            func, body = match.group(2), match.group(3)
            if func is None:
                name, colon, default = body.partition(":")
                value = self.lookup(name.strip(), depth)
                if value is None:
                    return self._expand_text(default, depth + 1) if colon else ""
                return value
            if func.upper() == "ENV":
                return os.environ.get(body.strip(), "")
            if func[0] in "fF":
                value = self.lookup(body.strip(), depth) or ""
                return file_macro(value, func[1:])
            raise SubmitFileError(
                f"The macro ${func}({body}) is not supported by the dry run; use plain "
                "$(name) references, $ENV(NAME) or $Fp(name) in the submit file."
            )

        previous = None
        while previous != text:
            previous = text
            text = _MACRO.sub(replace, text)
        return text


def file_macro(value: str, flags: str) -> str:
    """``$F<flags>(macro)``: p = directory (with trailing slash), d = last directory
    name (with slash), n = base name without extension, x = extension, q = quoted."""
    flags = flags.lower()
    unknown = set(flags) - set("pdnxq")
    if unknown:
        raise SubmitFileError(
            f"$F{flags}(...) uses flags {''.join(sorted(unknown))!r} that the dry run does "
            "not support; use p (directory), d, n (name), x (extension) or q (quote)."
        )
    if not set(flags) - {"q"}:
        out = value
    else:
        head, slash, tail = value.rpartition("/")
        stem, dot, ext = tail.rpartition(".")
        if not dot:
            stem, ext = tail, ""
        out = ""
        if "p" in flags:
            out += (head + "/") if slash else ""
        elif "d" in flags:
            parent = head.rpartition("/")[2]
            out += parent + "/" if parent else ""
        if "n" in flags:
            out += stem
        if "x" in flags:
            out += dot + ext
    return f'"{out}"' if "q" in flags else out


def parse_arguments(value: str) -> list[str]:
    """An ``arguments`` value as argv (new syntax when double-quoted, else old syntax)."""
    value = value.strip()
    if value.startswith('"'):
        if not value.endswith('"') or len(value) < 2:
            raise SubmitFileError(
                f"arguments = {value}: the opening double quote has no closing one. In the "
                'new syntax the whole list is inside "...", with "" for a literal quote.'
            )
        inner = value[1:-1].replace('""', "\x00")
        args, current, quoted, have = [], [], False, False
        i = 0
        while i < len(inner):
            ch = inner[i]
            if quoted:
                if ch == "'" and inner[i + 1:i + 2] == "'":
                    current.append("'")
                    i += 1
                elif ch == "'":
                    quoted = False
                else:
                    current.append(ch)
            elif ch == "'":
                quoted, have = True, True
            elif ch in " \t":
                if current or have:
                    args.append("".join(current))
                current, have = [], False
            else:
                current.append(ch)
            i += 1
        if quoted:
            raise SubmitFileError(
                f"arguments = {value}: a single quote is not closed. Inside the new syntax, "
                "wrap an argument with spaces in '...' and write '' for a literal quote."
            )
        if current or have:
            args.append("".join(current))
        return [a.replace("\x00", '"') for a in args]
    return [a.replace('\\"', '"') for a in value.split()]


def parse_environment(value: str) -> dict:
    """An ``environment`` value as a dict (new syntax when double-quoted, else NAME=v;...)."""
    value = value.strip()
    if not value:
        return {}
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


def _logical_lines(text: str):
    """(line number, text) per command: comments and blanks dropped, `\\` joined."""
    pending, start = "", None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if start is None:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending, start = "", None
    if pending:
        yield start, pending


def parse(text: str, path=None, submit_dir=None) -> SubmitFile:
    """Parse submit-file text.

    ``path``: the submit file as given to condor_submit (it becomes $(SUBMIT_FILE));
    ``submit_dir``: the directory condor_submit runs in (default: the current one).
    """
    submit_dir = Path(submit_dir or Path.cwd()).resolve()
    where = f"{path}" if path else "the submit file"
    commands: dict = {}
    names: dict = {}
    lines = list(_logical_lines(text))
    queue = None
    index = 0
    while index < len(lines):
        number, line = lines[index]
        index += 1
        word = re.split(r"[\s=]", line, maxsplit=1)[0].lower()
        if word == "queue":
            if queue is not None:
                raise SubmitFileError(
                    f"{where}, line {number}: a second `queue` statement. The dry run handles "
                    "one queue statement per file; split the file or merge the queues."
                )
            block = None
            opened = re.search(r"\b(in|from)\s+(\[[^\]]*\]\s*)?\(", line, re.IGNORECASE)
            if opened and ")" not in line[opened.end():]:
                block = []
                while index < len(lines) and not lines[index][1].startswith(")"):
                    block.append(lines[index][1])
                    index += 1
                if index == len(lines):
                    raise SubmitFileError(
                        f"{where}, line {number}: the list opened with `(` is never closed; "
                        "end it with a line that starts with `)`."
                    )
                index += 1
            queue = (number, line, block)
            continue
        is_command = re.match(r"[+A-Za-z_][\w.+]*\s*=", line)
        if not is_command and word.rstrip(":") in (
                "if", "elif", "else", "endif", "include", "error", "warning"):
            raise SubmitFileError(
                f"{where}, line {number}: `{word}` is not supported by the dry run. Keep "
                "the submit file to `name = value` lines and one queue statement."
            )
        name, eq, value = line.partition("=")
        if not eq or not re.fullmatch(r"[+A-Za-z_][\w.+]*", name.strip()):
            raise SubmitFileError(
                f"{where}, line {number}: {line!r} is neither `name = value` nor a queue "
                "statement. Check for a missing `=` or a stray line."
            )
        if queue is not None:
            raise SubmitFileError(
                f"{where}, line {number}: commands after the queue statement are ignored by "
                "condor_submit. Move them above `queue`."
            )
        key = name.strip()
        commands[key.lower()] = value.strip()
        names[key.lower()] = key
    if queue is None:
        raise SubmitFileError(
            f"{where} has no `queue` statement, so condor_submit would queue nothing. Add "
            "`queue` (one job) or e.g. `queue seed in (1 2 3)` as the last line."
        )
    number, queue_line, block = queue
    sub = SubmitFile(commands, names, queue_line, 1, [], [], submit_dir,
                     str(path) if path is not None else None)
    _parse_queue(sub, queue_line, block, where, number)
    return sub


def _parse_queue(sub: SubmitFile, line: str, block, where: str, number: int) -> None:
    match = _QUEUE.match(line)
    if not match:
        raise SubmitFileError(
            f"{where}, line {number}: cannot read {line!r}. Use `queue`, `queue N`, "
            "`queue VAR in (a b c)` or `queue VAR1, VAR2 from FILE`."
        )
    sub.queue_count = int(match.group("count") or 1)
    keyword = (match.group("kw") or "").lower()
    if not keyword:
        return
    sub.queue_vars = [v.strip() for v in (match.group("vars") or "Item").split(",")]
    rest = match.group("rest").strip()
    slice_match = _SLICE.match(rest)
    rows_slice = None
    if slice_match:
        start, stop, step = (int(g) if g else None for g in slice_match.groups())
        rows_slice = slice(start, stop, step)
        rest = rest[slice_match.end():]
    if rest.startswith("("):
        listed = block if block is not None else [rest[1:rest.rindex(")")]]
    else:
        listed = None
    if keyword == "in":
        raw = " ".join(listed) if listed is not None else rest
        rows = [{sub.queue_vars[0]: v} for v in re.split(r"[\s,]+", raw) if v]
    elif keyword == "matching":
        words = rest.split()
        kind = words.pop(0).lower() if words and words[0].lower() in ("files", "dirs") else None
        found = []
        for pattern in words:
            for hit in sorted(glob.glob(pattern, root_dir=sub.submit_dir)):
                full = sub.submit_dir / hit
                if (kind == "files" and not full.is_file()) or (kind == "dirs" and not full.is_dir()):
                    continue
                found.append(hit)
        rows = [{sub.queue_vars[0]: v} for v in found]
    else:  # from
        if listed is not None:
            source = [row for row in listed if row.strip()]
        else:
            if rest.endswith("|"):
                raise SubmitFileError(
                    f"{where}, line {number}: `queue ... from SCRIPT |` runs a program; the "
                    "dry run reads only files. Write the list to a file first."
                )
            # The file name may use macros, e.g. $Fp(SUBMIT_FILE)list.txt (the folder of
            # the submit file): condor_submit expands them before reading the list.
            rest = _Expander(sub.commands, {}, sub.defaults())._expand_text(rest, 0)
            table = _absolute(rest, sub.submit_dir)
            if not table.is_file():
                raise SubmitFileError(
                    f"{where}, line {number}: the queue list {rest} does not exist (looked "
                    f"for {table}; it is relative to the directory you submit from). "
                    "Generate it first (see condor/README.md) and submit from the "
                    "repository root."
                )
            source = table.read_text(encoding="utf-8").splitlines()
            for i, row in enumerate(source, start=1):
                if not row.strip():
                    raise SubmitFileError(
                        f"{table}, line {i} is blank; condor_submit would queue a job with "
                        "empty variables. Remove blank lines from the list."
                    )
        rows = [_split_row(row, sub.queue_vars) for row in source]
    if rows_slice is not None:
        rows = rows[rows_slice]
    sub.items = rows


def _split_row(row: str, names: list[str]) -> dict:
    parts = row.strip()
    values = {}
    for i, name in enumerate(names):
        if i == len(names) - 1:
            values[name] = parts.strip()
        else:
            piece = re.split(r"[\s,]+", parts, maxsplit=1)
            values[name] = piece[0]
            parts = piece[1] if len(piece) > 1 else ""
    return values


def read(path, submit_dir=None) -> SubmitFile:
    """Parse the submit file at ``path`` (``UsageError`` if it cannot be read)."""
    path = Path(path)
    if not path.is_file():
        raise SubmitFileError(
            f"No submit file at {path}. Give the path of a .sub file, e.g. condor/train.sub."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SubmitFileError(f"{path} is not UTF-8 text ({exc}); save it as UTF-8.") from exc
    if "\r\n" in text:
        raise SubmitFileError(
            f"{path} has Windows (CRLF) line endings; condor on Linux misreads them. Convert "
            "it with `dos2unix` or your editor's line-ending setting."
        )
    return parse(text, path=path, submit_dir=submit_dir)


def shell_command(job: Job) -> str:
    """The job as one shell-quoted command line (for messages)."""
    return " ".join(shlex.quote(a) for a in [str(job.executable), *job.arguments])


def env_matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)
