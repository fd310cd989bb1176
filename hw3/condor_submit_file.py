"""Read an HTCondor submit file the way ``condor_submit`` does, in plain Python.

Why not HTCondor's own parser (``htcondor2.Submit``, in the ``htcondor`` wheel)? The
dry run must work wherever students run it, and on PyPI the wheel is Linux-only:
``manylinux_2_28`` x86_64/aarch64 for CPython 3.8-3.14 since 23.10 (25.14.1 the newest
checked); no macOS wheel (x86_64 or arm64) and no sdist in any release from 8.8.15 on,
so ``pip install htcondor`` fails on a Mac. On Linux with glibc < 2.28 pip falls back to
23.0.28, which has no ``htcondor2`` (only the v1 ``htcondor`` module, itself gone since
25.0) and no wheel for 3.13. Patas' own bindings cannot stand in: they are built for
the system python, which the course's ``.venv`` does not see, and their version (v1 or
v2) depends on the cluster's HTCondor. So this reader stays, and the maintainers' tests
check it against ``htcondor2`` wherever the wheel installs
(tests/dist/test_dist_submit_oracle.py).

Covered: ``name = value`` commands (case-insensitive, ``#`` comments, ``\\``
continuation), ``$(name)``, ``$(name:default)``, ``$ENV(NAME)``, ``$F<pdnxq>(name)``,
``$(SUBMIT_FILE)`` (set as condor_submit sets it: the path it was given) and one queue
statement: ``queue [N] [vars] in|from|matching [slice] ...``, lists inline, in
``(...)`` blocks or in a file. Anything else gets an error saying what to write.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from hw3.condor_job import Job, SubmitFileError, absolute

NAME = re.compile(r"[A-Za-z0-9_./]+")  # what condor looks up: $( x ), $(a-b) stay as they are
COMMAND = re.compile(r"\+?[A-Za-z_][\w.]*")
# $(name) / $(name:default) / $FUNC(...), innermost first; $$(...) is the execute node's.
MACRO = re.compile(r"\$(\$)?([A-Za-z_]+)?\(([^()]*)\)")
QUEUE = re.compile(
    r"""queue\b\s*(?P<count>\d+)?\s*
        (?:(?P<vars>[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)?
           \s*\b(?P<kw>in|from|matching)\b\s*(?P<rest>.*))?$""",
    re.IGNORECASE | re.VERBOSE,
)
SLICE = re.compile(r"\[(-?\d*)(?::(-?\d*))?(?::(-?\d*))?\]\s*")
UNSUPPORTED = ("if", "elif", "else", "endif", "include", "error", "warning")


@dataclass
class SubmitFile:
    """The commands (lower-case name -> raw value) and the queue statement's jobs."""

    commands: dict
    count: int  # the N of `queue N ...`
    rows: list  # (item index, {variable: value}) per queued item; [(0, {})] for `queue N`
    submit_dir: Path

    def jobs(self, overrides: dict | None = None, cluster: str = "1") -> list[Job]:
        """Every job condor_submit would queue, in order, macros expanded.

        ``overrides`` act like ``condor_submit -append``: set just before the queue
        statement, so they win over the file's lines (not over queue variables).
        ``cluster`` is $(Cluster), unknown until a real submission.
        """
        commands = dict(self.commands)
        commands.update({k.lower(): v for k, v in (overrides or {}).items()})
        jobs = []
        for index, row in self.rows:
            for step in range(self.count):
                proc = str(len(jobs))
                live = {k.lower(): v for k, v in row.items()}
                live.update(process=proc, procid=proc, cluster=cluster, clusterid=cluster,
                            step=str(step), itemindex=str(index), row=str(index))
                macros = Macros(commands, live)
                expanded = {name: macros.expand(value) for name, value in commands.items()}
                jobs.append(Job(len(jobs), dict(row), expanded, self.submit_dir))
        return jobs


class Macros:
    """$(...) expansion: queue variables first, then the file's commands. Undefined is
    '', and $(name:default) gives the default when name is undefined or set to nothing."""

    def __init__(self, commands: dict, live: dict):
        self.commands, self.live = commands, live

    def expand(self, text: str, stack: tuple = ()) -> str:
        for _ in range(100):
            expanded = MACRO.sub(lambda match: self._replace(match, stack), text)
            if expanded == text:
                return text
            text = expanded
        raise SubmitFileError(
            f"Expanding {text[:80]!r} does not end; check the $(...) references near it."
        )

    def raw(self, name: str) -> str | None:
        return self.live.get(name.lower(), self.commands.get(name.lower()))

    def value(self, name: str, stack: tuple = ()) -> str | None:
        key = name.lower()
        if key in self.live:
            return self.live[key]
        if key in stack:
            raise SubmitFileError(
                f"The macro $({name}) refers to itself ({' -> '.join(stack + (key,))}); "
                "condor_submit would never finish expanding it. Break the loop."
            )
        raw = self.commands.get(key)
        return None if raw is None else self.expand(raw, stack + (key,))

    def _replace(self, match: re.Match, stack: tuple) -> str:
        dollars, func, body = match.groups()
        if dollars:
            return match.group(0)
        if func is None:
            name, colon, default = body.partition(":")
            if name and not NAME.fullmatch(name):
                return match.group(0)  # not a name to condor either: $( x ), $(a-b)
            if colon and not self.raw(name):  # undefined or set to nothing
                return default
            return self.value(name, stack) or ""
        if func.upper() == "ENV":
            return os.environ.get(body.strip(), "")
        if func[0] in "fF" and NAME.fullmatch(body):  # undefined: the name is the value
            value = self.value(body, stack)
            return file_macro(body if value is None else value, func[1:], body)
        raise SubmitFileError(
            f"The macro ${func}({body}) is not supported by the dry run; use $(name), "
            "$(name:default), $ENV(NAME) or $F<flags>(name) (flags p, d, n, x, q)."
        )


def file_macro(value: str, flags: str, name: str = "name") -> str:
    """``$F<flags>(name)`` as condor gives it: the span of the value from the first to
    the last part asked for, among p (directory), d (last directory), n (name) and x
    (extension), p and d counting only when there is a directory; q adds double quotes.
    A value in quotes loses them first."""
    flags = flags.lower()
    if set(flags) - set("pdnxq"):
        raise SubmitFileError(
            f"$F{flags}(...): the dry run knows the flags p (directory), d (last "
            "directory), n (name), x (extension) and q (quote) only."
        )
    if value.startswith('"'):
        value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
    elif len(value) > 1 and value[0] == value[-1] == "'":
        value = value[1:-1]
    name_at = value.rfind("/") + 1
    dot = value.rfind(".", name_at + 1)
    ext_at = dot if dot > name_at else len(value)
    last_dir_at = value.rfind("/", 0, name_at - 1) + 1 if name_at else 0
    starts = {"p": 0, "d": last_dir_at, "n": name_at, "x": ext_at}
    ends = {"p": name_at, "d": name_at, "n": ext_at, "x": len(value)}
    # d starts later than p; with no directory at all, p and d select nothing.
    asked = [p for p in "pdnx" if p in flags]
    parts = [p for p in asked if not (p == "p" and "d" in flags)
             and not (p in "pd" and not name_at)]
    out = value[starts[parts[0]]:ends[parts[-1]]] if parts else "" if asked else value
    if "q" in flags and asked and not out:
        raise SubmitFileError(
            f"$F{flags}({name}) quotes an empty part of {value!r}, for which HTCondor gives "
            "a stray \" or \"\"; drop the q or the part that is empty."
        )
    return f'"{out}"' if "q" in flags else out


def logical_lines(text: str):
    """(first line number, text) per command: blanks and comments dropped; a line ending
    in `\\` is joined with the next one, whatever that is, with no space added."""
    pending, start = None, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if pending is None:
            if not line or line.startswith("#"):
                continue
            pending, start = "", number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        yield start, (pending + line).strip()
        pending = None
    if pending is not None:
        yield start, pending.strip()


def parse(text: str, path=None, submit_dir=None) -> SubmitFile:
    """Parse submit-file text. ``path``: the file as given to condor_submit (it becomes
    $(SUBMIT_FILE)); ``submit_dir``: where condor_submit runs (default: here)."""
    submit_dir = Path(submit_dir or Path.cwd()).resolve()
    where = str(path) if path is not None else "the submit file"
    commands = {"submit_file": "" if path is None else str(path)}
    lines = list(logical_lines(text))
    queue = None
    while lines:
        number, line = lines.pop(0)
        at = f"{where}, line {number}"
        if re.match(r"queue\b(?!\s*=)", line, re.IGNORECASE):
            if queue is not None:
                raise SubmitFileError(
                    f"{at}: a second queue statement. The dry run reads one per file; "
                    "split the file or merge the queues into one list."
                )
            queue = (at, line, _block(line, lines, at))
            continue
        name, eq, value = line.partition("=")
        word = line.split()[0].rstrip(":").lower()
        if word in UNSUPPORTED and not (eq and COMMAND.fullmatch(name.strip())):
            raise SubmitFileError(
                f"{at}: `{word}` is not supported by the dry run; keep the file to "
                "`name = value` lines and one queue statement."
            )
        if not eq or not COMMAND.fullmatch(name.strip()):
            raise SubmitFileError(
                f"{at}: {line!r} is neither `name = value` nor a queue statement. Check "
                "for a missing `=` or a stray line."
            )
        if queue is not None:
            raise SubmitFileError(
                f"{at}: a command after the queue statement applies to no job. Move it "
                "above `queue`."
            )
        name = name.strip()
        name = "MY." + name[1:] if name.startswith("+") else name  # +Attr is MY.Attr
        commands[name.lower()] = value.strip()
    if queue is None:
        raise SubmitFileError(
            f"{where} has no queue statement, so condor_submit would queue nothing. Add "
            "`queue` (one job) or e.g. `queue seed in (1 2 3)` as its last line."
        )
    count, rows = _queue(*queue, Macros(commands, {}), submit_dir)
    return SubmitFile(commands, count, rows, submit_dir)


def _block(line: str, lines: list, at: str) -> list | None:
    """The lines of a `(` list left open on the queue line, up to the line `)`."""
    if line.rfind("(") <= line.rfind(")"):
        return None
    for i, (_, text) in enumerate(lines):
        if text.startswith(")"):
            if text[1:].strip():
                raise SubmitFileError(f"{at}: nothing may follow the `)` closing the list.")
            block = [text for _, text in lines[:i]]
            del lines[:i + 1]
            return block
    raise SubmitFileError(
        f"{at}: the list opened with `(` is never closed; end it with a line `)`."
    )


def _queue(at: str, line: str, block, macros: Macros, submit_dir: Path):
    """(count, [(item index, row)]) for a queue statement."""
    match = QUEUE.match(line)
    if not match:
        raise SubmitFileError(
            f"{at}: cannot read {line!r}. Write `queue`, `queue N`, `queue VAR in (a b c)` "
            "or `queue VAR1, VAR2 from FILE`."
        )
    count, keyword = int(match["count"] or 1), (match["kw"] or "").lower()
    if not keyword:
        return count, [(0, {})]
    names = [v.strip() for v in (match["vars"] or "Item").split(",")]
    rest = match["rest"].strip()
    window = SLICE.match(rest)
    if window:
        rest = rest[window.end():]
        window = slice(*(int(g) if g else None for g in window.groups()))
    if rest.startswith("("):
        if block is None:
            if not rest.endswith(")"):
                raise SubmitFileError(f"{at}: nothing may follow the `)` closing the list.")
            block = [rest[1:-1]]
        source = block
    elif keyword == "from":
        source = _list_file(at, rest, macros, submit_dir)
    else:
        source = [rest]
    if keyword == "in":
        values = [v for text in source for v in re.split(r"[\s,]+", text) if v]
        rows = [{names[0]: v, **{n: "" for n in names[1:]}} for v in values]
    elif keyword == "matching":
        rows = [{names[0]: v, **{n: "" for n in names[1:]}}
                for v in _matching(" ".join(source), submit_dir)]
    else:
        rows = [split_row(text, names) for text in source if text.strip()]
    indexed = list(enumerate(rows))
    return count, indexed[window] if window else indexed


def _list_file(at: str, rest: str, macros: Macros, submit_dir: Path) -> list[str]:
    """The lines of a `queue ... from FILE` list (FILE may use macros)."""
    if rest.endswith("|"):
        raise SubmitFileError(
            f"{at}: `queue ... from COMMAND |` runs a program; the dry run reads only "
            "files. Write the list to a file first."
        )
    name = macros.expand(rest)
    table = absolute(name, submit_dir)
    try:
        lines = table.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmitFileError(
            f"{at}: cannot read the queue list {table} "
            f"({getattr(exc, 'strerror', None) or exc}). A relative name is taken from the "
            "folder you submit from; a generated list must be made first (condor/sweep.txt: "
            "`make sweep-table`; condor/README.md has the others)."
        ) from exc
    blank = next((i for i, row in enumerate(lines, start=1) if not row.strip()), None)
    if blank:
        raise SubmitFileError(
            f"{table}, line {blank} is blank; remove blank lines from the list (HTCondor's "
            "own parser rejects them)."
        )
    return lines


def _matching(patterns: str, submit_dir: Path) -> list[str]:
    """`matching [files|dirs] GLOB...`: sorted, folders with a trailing /, no repeats."""
    words = patterns.split()
    kind = words.pop(0).lower() if words and words[0].lower() in ("files", "dirs") else ""
    found = []
    for pattern in words:
        for hit in sorted(glob.glob(pattern, root_dir=submit_dir)):
            is_dir = (submit_dir / hit).is_dir()
            if (kind == "files" and is_dir) or (kind == "dirs" and not is_dir):
                continue
            hit += "/" if is_dir else ""
            if hit not in found:
                found.append(hit)
    return found


def split_row(text: str, names: list[str]) -> dict:
    """One line of a `from` list: each variable but the last takes a word ended by one
    space or comma; the last takes the rest of the line."""
    rest = text.strip()
    row = {}
    for name in names[:-1]:
        word = re.match(r"\s*([^\s,]*)[\s,]?", rest)
        row[name], rest = word[1], rest[word.end():]
    row[names[-1]] = rest.strip()
    return row


def read(path, submit_dir=None) -> SubmitFile:
    """Parse the submit file at ``path`` (a SubmitFileError says why it cannot be).
    $(SUBMIT_FILE) is ``path`` as given, like condor_submit's argument."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SubmitFileError(
            f"Cannot read the submit file {path} ({exc.strerror or exc}). Give the path of "
            "a .sub file, e.g. condor/train.sub."
        ) from exc
    if b"\r\n" in data:
        raise SubmitFileError(
            f"{path} has Windows (CRLF) line endings; condor on Linux misreads them. "
            "Convert it with `dos2unix` or your editor's line-ending setting."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmitFileError(f"{path} is not UTF-8 text ({exc}); save it as UTF-8.") from exc
    return parse(text, path=str(path), submit_dir=submit_dir)
