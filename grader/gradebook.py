"""The gradebook: OUT/grades.csv (and the Canvas export) from the students' results.json.

One code path for every gradebook: ``python -m grader grade-all`` writes it after
grading, ``python -m grader gradebook OUT`` rewrites it from what is graded (after
editing the adjustments, say), and the cluster's ``python -m instructor.fanout merge``
writes it from the jobs' results.  So the three give the same file for the same
results.

grades.csv has one row per student: ``student, score, max_score, status``, the points
per op (hw3/registry.py's ops), per category (forward, backward, properties,
training), then ``adjustments`` (the sum of the adjustments file's points),
``final`` (score + adjustments, never below 0; above max_score only by extra credit)
and ``adjustment_reasons``.

Nothing is ever lost: every file is written atomically (hw3/atomic.py, so it honours
the umask), the file it replaces is kept in OUT/.history/ when it changes, and a
gradebook that would be built from results not matching the rubric (tests not the
registry's, a score that is not their sum, another rubric's hash) is refused as a
whole (``Refused``): grades.csv stays as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import time
from dataclasses import dataclass, field

from grader import results as res
from grader.cli import UsageError
from hw3 import atomic, registry

GRADES = "grades.csv"
CANVAS = "canvas.csv"
HISTORY = ".history"
LOCK = ".lock"                    # held while a command writes into OUT
ADJUSTMENTS = "adjustments.csv"   # read from OUT when no --adjustments is given
ROSTER = "roster.csv"             # read from OUT when no --roster is given
REPORT = ("class-report.html", "class-report.md")
# Names in OUT that are never a student's folder (grade-all renames such an id).
RESERVED = frozenset({GRADES, CANVAS, HISTORY, LOCK, ADJUSTMENTS, ROSTER, *REPORT})
# Canvas's gradebook CSV: the identity columns its own export starts with.
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
ROSTER_KEYS = ("student", "SIS Login ID")  # the roster column holding our student ids


class Refused(Exception):
    """The gradebook was not written (one paragraph saying why); the old one stands."""


class RosterIncomplete(UsageError):
    """Students of the class are not on the roster: grades.csv can still be written, but
    canvas.csv (which the roster maps to Canvas) is not."""


def number(x: float) -> str:
    """A score as a CSV cell: 62.5, 100, -2 (no float noise)."""
    x = round(float(x), 6)
    return f"{x + 0.0:g}"  # + 0.0: no "-0"


# --------------------------------------------------------------------------- rows
@dataclass
class Row:
    student: str
    score: float
    max_score: float
    status: str
    ops: dict[str, float]
    categories: dict[str, float]
    adjustments: list[tuple[float, str]] = field(default_factory=list)

    @property
    def adjustment(self) -> float:
        return sum(p for p, _ in self.adjustments)

    @property
    def final(self) -> float:
        return max(0.0, self.score + self.adjustment)


def columns() -> list[str]:
    return ["student", "score", "max_score", "status", *registry.NAMES, *registry.CATEGORIES,
            "adjustments", "final", "adjustment_reasons"]


def row(student: str, data: dict, rubric=None) -> Row:
    """The gradebook row of one student's results (already checked by ``problems``)."""
    rubric = res.rubric_tests() if rubric is None else rubric
    ops = dict.fromkeys(registry.NAMES, 0.0)
    cats = dict.fromkeys(registry.CATEGORIES, 0.0)
    status = res.status_of(data)
    if status == "graded":  # its tests are the rubric's, in its order
        for test, (_, _, op, category) in zip(data["tests"], rubric):
            points = float(test.get("score", 0))
            if op in ops:
                ops[op] += points
            cats[category] += points
    return Row(student, float(data["score"]), float(data.get("max_score", registry.TOTAL)),
               status, ops, cats)


def problems(results: dict[str, dict], rubric=None) -> dict[str, str]:
    """student -> why their results do not match the rubric (only those that do not)."""
    rubric = res.rubric_tests() if rubric is None else rubric
    found = {}
    for sid, data in sorted(results.items()):
        why = data.get(UNREADABLE) or res.mismatch(data, rubric)
        if why:
            found[sid] = why
    return found


def refusal(found: dict[str, str], out: str, regrade: str) -> str:
    """The one paragraph said when a gradebook is refused: students grouped by why."""
    groups: dict[str, list[str]] = {}
    for sid, why in found.items():
        groups.setdefault(why, []).append(sid)
    shown = []
    for why, ids in list(groups.items())[:3]:
        names = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        shown.append(f"{names}: {why}")
    if len(groups) > 3:
        shown.append(f"and {sum(len(v) for v in list(groups.values())[3:])} more students "
                     "for other reasons")
    only = " ".join(f"--only {sid}" for sid in list(found)[:8])
    rubric = any(why not in (MISSING, NOT_JSON) for why in groups)
    return (f"Not writing {os.path.join(out, GRADES)}: the results of {len(found)} "
            f"student(s) cannot be read as results of the rubric of hw3/registry.py "
            f"({'; '.join(shown)}). The existing gradebook is left as it was. "
            f"{regrade.replace('--only ID', only)}"
            + (" If the rubric changed by mistake, restore hw3/registry.py instead."
               if rubric else ""))


# --------------------------------------------------------------------------- adjustments
def read_adjustments(path: str, students) -> dict[str, list[tuple[float, str]]]:
    """student -> [(points, reason)] from a CSV with the header ``student,points,reason``.

    Points may be negative (a late penalty) or positive (a regrade request, extra
    credit); a student may have several lines.  Every id must be one of ``students``:
    an unknown id is an error naming it (a typo would otherwise drop an adjustment)."""
    rows = _read_csv(path, "adjustments file", ("student", "points"),
                     "a header student,points,reason, then one adjustment per line, e.g. "
                     "alice,-5,late by 1 day")
    known, found, bad, unknown = set(students), {}, [], []
    for line, r in rows:
        sid = (r.get("student") or "").strip()
        try:
            points = float(r.get("points") or "")
            if points != points or abs(points) == float("inf"):
                raise ValueError
        except ValueError:
            bad.append(f"line {line}: points {r.get('points')!r} is not a number")
            continue
        if sid not in known:
            unknown.append(f"{sid!r} (line {line})")
            continue
        found.setdefault(sid, []).append((points, (r.get("reason") or "").strip()))
    if bad or unknown:
        raise UsageError(
            f"{path}: " + "; ".join(bad + ([f"unknown student id(s) {', '.join(unknown)}: "
                                              "ids are the names of the submissions, as in "
                                              "grades.csv's first column"] if unknown else []))
            + ". Fix the file and run again; nothing was written.")
    return found


# --------------------------------------------------------------------------- Canvas
def read_roster(path: str, students) -> list[dict[str, str]]:
    """The roster's rows (Canvas identity columns + ``key``: our student id).

    The roster is a CSV holding Canvas's identity columns (Student, ID, SIS User ID,
    SIS Login ID, Section: Canvas's own gradebook export works as is) and our ids in a
    ``student`` column, or else in ``SIS Login ID``.  Every student of the class must be
    on it (``RosterIncomplete`` names those who are not); roster students without a
    submission are exported with an empty cell, which Canvas leaves alone."""
    rows = _read_csv(path, "roster", (), "a header naming Canvas's columns (Student, ID, SIS "
                     "User ID, SIS Login ID, Section; Canvas's gradebook export has them) and "
                     "a `student` column with the ids of grades.csv")
    header = rows[0][1].keys() if rows else []
    key = next((k for k in ROSTER_KEYS if k in header), None)
    if key is None or not {"ID", "SIS User ID", "SIS Login ID"} & set(header):
        raise UsageError(f"{path}: the roster needs a `student` column (our ids; else `SIS "
                         "Login ID` is used) and one of Canvas's ID, SIS User ID or SIS Login "
                         f"ID columns to find the student in Canvas; its columns are "
                         f"{', '.join(header) or 'none'}.")
    found, seen, dupes = [], set(), []
    for line, r in rows:
        if (r.get("Student") or "").strip() == "Points Possible":
            continue  # the second line of Canvas's own export
        sid = (r.get(key) or "").strip()
        if not sid:
            continue
        if sid in seen:
            dupes.append(f"{sid!r} (line {line})")
        seen.add(sid)
        found.append({**{c: (r.get(c) or "").strip() for c in CANVAS_IDENTITY}, "key": sid})
    if dupes:
        raise UsageError(f"{path}: ids listed twice: {', '.join(dupes)}. Keep one row per "
                         "student and run again; nothing was written.")
    missing = sorted(set(students) - seen)
    if missing:
        raise RosterIncomplete(
            f"{path}: students of the class missing from the roster (column {key}): "
            f"{', '.join(missing[:20])}{' ...' if len(missing) > 20 else ''}. canvas.csv is "
            "written only when the roster lists every student: add them (or fix the ids), "
            "then run make gradebook.")
    return found


def canvas_csv(rows: dict[str, Row], roster: list[dict], assignment: str) -> str:
    """Canvas's gradebook import: identity columns, then one column for the assignment
    (its final points), and a Points Possible line as Canvas's own export has."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([*CANVAS_IDENTITY, assignment])
    w.writerow(["Points Possible", "", "", "", "", number(registry.TOTAL)])
    for person in roster:
        got = rows.get(person["key"])
        w.writerow([*(person[c] for c in CANVAS_IDENTITY),
                    "" if got is None else number(got.final)])
    return buf.getvalue()


# --------------------------------------------------------------------------- writing
def grades_csv(rows: dict[str, Row]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns())
    for sid in sorted(rows):
        r = rows[sid]
        w.writerow([sid, number(r.score), number(r.max_score), r.status,
                    *(number(r.ops[o]) for o in registry.NAMES),
                    *(number(r.categories[c]) for c in registry.CATEGORIES),
                    number(r.adjustment), number(r.final),
                    "; ".join(f"{number(p)}: {why}" if why else number(p)
                              for p, why in r.adjustments)])
    return buf.getvalue()


def replace_keeping(path: str, text: str) -> str | None:
    """Write ``text`` to ``path`` atomically; a previous, different file is kept in
    .history/ beside it first.  The kept copy's path, or None."""
    try:
        with open(path, "rb") as f:
            old = f.read()
    except FileNotFoundError:
        old = None
    new = text.encode("utf-8")
    kept = None
    if old is not None and old != new:
        folder = os.path.join(os.path.dirname(path), HISTORY)
        base, ext = os.path.splitext(os.path.basename(path))
        when = time.strftime("%Y%m%d-%H%M%S", time.localtime(os.path.getmtime(path)))
        kept, n = os.path.join(folder, f"{base}.{when}{ext}"), 2
        while os.path.exists(kept):
            kept, n = os.path.join(folder, f"{base}.{when}-{n}{ext}"), n + 1
        if not os.path.isdir(folder):
            os.makedirs(folder, mode=atomic.folder_mode(), exist_ok=True)
        atomic.write_bytes(kept, old)
    if old != new:
        atomic.write_bytes(path, new)
    return kept


@dataclass
class Written:
    grades: str
    canvas: str | None
    kept: list[str]
    rows: dict[str, Row]

    @property
    def paths(self) -> list[str]:
        return [p for p in (self.grades, self.canvas, *self.kept) if p]

    def summary(self) -> str:
        adjusted = {s: r for s, r in self.rows.items() if r.adjustments}
        lines = [f"gradebook: {self.grades} ({len(self.rows)} students)"]
        if adjusted:
            lines.append(f"adjustments: {len(adjusted)} student(s): " + ", ".join(
                f"{s} {'+' if r.adjustment >= 0 else ''}{number(r.adjustment)} "
                f"({'; '.join(w for _, w in r.adjustments if w) or 'no reason given'})"
                for s, r in sorted(adjusted.items())))
        if self.canvas:
            lines.append(f"Canvas export: {self.canvas}")
        lines += [f"previous version kept: {p}" for p in self.kept]
        return "\n".join(lines)


def write(out: str, results: dict[str, dict], adjustments=None, roster=None,
          assignment: str = "HW3", regrade: str = "Regrade those students.") -> Written:
    """Write OUT/grades.csv (and OUT/canvas.csv when there is a ``roster``) from
    ``results`` (student -> results.json data).  Raises ``Refused`` (nothing written)
    when any results do not match the rubric; ``regrade`` says how to fix that."""
    rubric = res.rubric_tests()
    found = problems(results, rubric)
    if found:
        raise Refused(refusal(found, out, regrade))
    rows = {sid: row(sid, data, rubric) for sid, data in results.items()}
    for sid, adj in (adjustments or {}).items():
        if sid in rows:
            rows[sid].adjustments = list(adj)
    os.makedirs(out, exist_ok=True)
    grades = os.path.join(out, GRADES)
    kept = [replace_keeping(grades, grades_csv(rows))]
    canvas = None
    if roster is not None:
        canvas = os.path.join(out, CANVAS)
        kept.append(replace_keeping(canvas, canvas_csv(rows, roster, assignment)))
    return Written(grades, canvas, [k for k in kept if k], rows)


@contextlib.contextmanager
def locked(out: str, what: str):
    """Hold OUT/.lock while ``what`` (grade-all, gradebook, merge) writes into OUT: a
    second command on the same folder (a co-TA's) stops at once instead of racing."""
    import fcntl

    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, LOCK)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, atomic.file_mode())
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another command"
            raise UsageError(f"{out} is in use: {holder} is writing into it (lock {path}). "
                             "Wait for it to finish, then run again.") from None
        note = f"{what} (pid {os.getpid()}, user {_user()})".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, note, 0)
        yield
    finally:
        os.close(fd)


def _user() -> str:
    """Who runs this (for the lock a co-TA reads), even where $USER is unset."""
    import pwd

    try:
        return os.environ.get("USER") or pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return f"uid {os.getuid()}"


def default_file(out: str, given: str | None, name: str) -> str | None:
    """``given``, else OUT/``name`` when it exists (so a re-run keeps using it)."""
    if given:
        if not os.path.isfile(given):
            raise UsageError(f"{given} does not exist (or is not a file): give the path of "
                             "a CSV file.")
        return given
    path = os.path.join(out, name)
    return path if os.path.isfile(path) else None


def inputs(out: str, students, adjustments: str | None, roster: str | None, warn=None):
    """(adjustments, roster) read and checked against ``students``: before any grading,
    so a typo stops the run at once.  Students missing from the roster only keep
    canvas.csv from being written: ``warn`` gets that paragraph and the roster is None."""
    adj_path = default_file(out, adjustments, ADJUSTMENTS)
    roster_path = default_file(out, roster, ROSTER)
    adj = read_adjustments(adj_path, students) if adj_path else {}
    try:
        people = read_roster(roster_path, students) if roster_path else None
    except RosterIncomplete as err:
        if warn is None:
            raise
        warn(str(err))
        people = None
    return adj, people


def _read_csv(path: str, what: str, required, expected: str) -> list[tuple[int, dict]]:
    """(line number, row) of a CSV with a header; blank lines and lines starting with
    # are skipped.  A UTF-8 byte-order mark (Excel writes one) is fine."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise UsageError(f"{path}: the {what} is not UTF-8 text; save it as CSV (UTF-8), "
                         f"with {expected}.") from None
    except OSError as err:
        raise UsageError(f"cannot read the {what} {path} ({err.strerror}).") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader([line for _, line in lines])
    table = list(reader)
    if not table:
        raise UsageError(f"{path}: the {what} is empty; it needs {expected}.")
    header = [h.strip() for h in table[0]]
    lacking = [c for c in required if c not in header]
    if lacking:
        raise UsageError(f"{path}: the {what} has no {', '.join(lacking)} column (its header "
                         f"is {','.join(header)}); it needs {expected}.")
    return [(n, dict(zip(header, cells))) for (n, _), cells in zip(lines[1:], table[1:])]


UNREADABLE = "_unreadable"  # the key of a student whose results.json cannot be used
MISSING = "its results.json is missing"
NOT_JSON = "its results.json is not readable JSON"


def students_in(out: str) -> dict[str, dict]:
    """student -> results of every OUT/<student>/ folder (what ``gradebook`` reads); one
    whose results.json is missing or unreadable is kept, marked, so that the gradebook
    is refused rather than written without that student."""
    found = {}
    for name in sorted(os.listdir(out)):
        folder = os.path.join(out, name)
        if name.startswith(".") or name in RESERVED or not os.path.isdir(folder):
            continue
        data = res.read(folder)
        if data is None:
            present = os.path.exists(os.path.join(folder, "results.json"))
            data = {"score": None, UNREADABLE: NOT_JSON if present else MISSING}
        found[name] = data
    return found
