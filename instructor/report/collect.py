"""A class, as the report sees it: read from results.json files and nothing else.

So the report is the same after ``make grade``, after ``make condor-grade-merge`` and
on results downloaded from Gradescope (a folder of <student>/results.json: a
student's id is the path of the folder holding their results.json).  Fields the
grader adds (each test's ``extra_data``: op, category, diagnosis; the top-level
``extra_data.hw3``: status, seconds) are used when present, and guessed from test
names and texts when not.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from grader.results import rubric_tests, status_of
from hw3 import registry

# Failures that mean the submission hit one of the sandbox's limits (or crashed, or
# the grader failed), as the sandbox words them (grader/sandbox.py, grader/subject.py).
# A text is of the first kind it matches ("died ... CPU time" is the CPU limit).
LIMITS: tuple[tuple[str, str, re.Pattern], ...] = tuple(
    (kind, label, re.compile(pattern, re.I)) for kind, label, pattern in (
        ("timeout", "time limit", r"ran longer than|took too long|took longer than|timed out"),
        ("cpu", "CPU limit", r"s of CPU time"),
        ("memory", "memory limit", r"ran out of memory|too much memory"),
        ("size", "size limit", r"more data than the grader accepts|larger than \d+ MB|"
                               r"file too large|kept writing data"),
        ("crash", "crash or exit", r"process died|process exited|closed the grader's channel|"
                                   r"crashed or hung|segmentation fault|killed by signal"),
        ("import", "ops.py did not load", r"ops\.py has a syntax error|ops\.py could not be "
                                          r"(imported|loaded)|while being imported"),
        ("grader", "grader error", r"the grader could not finish|grading this submission did "
                                   r"not finish|could not finish grading"),
    ))


@dataclass
class Test:
    name: str
    op: str
    category: str
    hidden: bool
    points: float
    score: float
    passed: bool
    diagnosis: str
    output: str


@dataclass
class Student:
    id: str
    score: float
    max_score: float
    status: str
    seconds: float | None
    tests: list[Test] = field(default_factory=list)
    output: str = ""
    isolation: str = ""

    @property
    def limits(self) -> dict[str, str]:
        """kind -> the first failed test's text that shows it (see LIMITS)."""
        found: dict[str, str] = {}
        texts = [t.output for t in self.tests if not t.passed]
        if self.status != "graded":
            texts.insert(0, self.output)
        for text in texts:
            kind = next((k for k, _, pattern in LIMITS if pattern.search(text or "")), None)
            if kind is not None and kind not in found:
                found[kind] = text
        return found


def explanation(text: str) -> str:
    """The part of a failure's text that explains the diagnosed mistake."""
    found = re.search(r"It looks like (.*?)(?:\n|$)", text)
    return found.group(1)[:1].upper() + found.group(1)[1:] if found else text


def _number(x, default=0.0) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return default
    return value if value == value else default


def _guess(name: str) -> tuple[str, str]:
    """(op, category) of a test from its name ("sigmoid: forward on ...")."""
    op, _, rest = name.partition(": ")
    rest = rest.removesuffix(" [hidden]")
    category = next((c.category for c in registry.CHECKS if c.title == rest), "other")
    return (op if op in (*registry.NAMES, "training") else "other"), category


def student(sid: str, data: dict) -> Student:
    extra = data.get("extra_data") if isinstance(data.get("extra_data"), dict) else {}
    rec = extra.get("hw3") if isinstance(extra.get("hw3"), dict) else {}
    seconds = data.get("execution_time", rec.get("seconds"))
    tests = []
    for t in data.get("tests") or []:
        if not isinstance(t, dict):
            continue
        name = str(t.get("name", ""))
        ex = t.get("extra_data") if isinstance(t.get("extra_data"), dict) else {}
        op, category = _guess(name)
        points, score = _number(t.get("max_score")), _number(t.get("score"))
        tests.append(Test(
            name=name, op=str(ex.get("op") or op), category=str(ex.get("category") or category),
            hidden=bool(ex.get("hidden", name.endswith(" [hidden]")
                             or t.get("visibility") == "after_published")),
            points=points, score=score,
            passed=t.get("status") == "passed" if "status" in t else score >= points,
            diagnosis=str(ex.get("diagnosis") or ""), output=str(t.get("output") or "")))
    return Student(sid, _number(data.get("score")), _number(data.get("max_score"),
                                                            registry.TOTAL),
                   status_of(data), None if seconds is None else _number(seconds, None),
                   tests, str(data.get("output") or ""), str(rec.get("isolation") or ""))


def load(folder: str) -> list[Student]:
    """Every results.json under ``folder`` (folders starting with '.' skipped), by id."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if "results.json" not in files:
            continue
        try:
            with open(os.path.join(root, "results.json"), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = None
        sid = os.path.relpath(root, folder)
        sid = os.path.basename(os.path.abspath(folder)) if sid == "." else sid
        if not isinstance(data, dict):
            data = {"score": 0, "tests": [], "output": "results.json is not readable JSON",
                    "extra_data": {"hw3": {"status": "error"}}}
        found.append(student(sid, data))
    return sorted(found, key=lambda s: s.id)


# --------------------------------------------------------------------------- statistics
@dataclass
class Mistake:
    op: str
    key: str
    students: list[str]
    tests: int
    example: str


@dataclass
class Class:
    folder: str
    students: list[Student]

    @property
    def graded(self) -> list[Student]:
        return [s for s in self.students if s.status == "graded"]

    def counts(self) -> Counter:
        return Counter(s.status for s in self.students)

    def score_stats(self) -> dict[str, float]:
        scores = [s.score for s in self.students] or [0.0]
        return {"mean": statistics.fmean(scores), "median": statistics.median(scores),
                "min": min(scores), "max": max(scores),
                "max_score": max((s.max_score for s in self.students), default=registry.TOTAL)}

    def test_rates(self) -> list[dict]:
        """Per test (rubric order, then any others): points, passed / graded students."""
        order = [name for name, *_ in rubric_tests()]
        seen: dict[str, dict] = {}
        for s in self.graded:
            for t in s.tests:
                row = seen.setdefault(t.name, {"name": t.name, "op": t.op, "hidden": t.hidden,
                                               "category": t.category, "points": t.points,
                                               "passed": 0, "of": 0})
                row["of"] += 1
                row["passed"] += t.passed
        rank = {name: n for n, name in enumerate(order)}
        rows = sorted(seen.values(), key=lambda r: (rank.get(r["name"], len(rank)), r["name"]))
        for n, r in enumerate(rows, 1):
            r["number"] = n
        return rows

    def op_rates(self) -> dict[str, dict[str, float | None]]:
        """op -> category -> share of its points earned by graded students (None: none)."""
        ops = [*registry.NAMES, "training"]
        earned = {(o, c): [0.0, 0.0] for o in ops for c in registry.CATEGORIES}
        for s in self.graded:
            for t in s.tests:
                cell = earned.setdefault((t.op, t.category), [0.0, 0.0])
                cell[0] += t.score
                cell[1] += t.points
        found = {}
        for (op, cat), (got, of) in earned.items():
            found.setdefault(op, {})[cat] = got / of if of else None
        return found

    def mistakes(self) -> list[Mistake]:
        """Diagnosed mistakes (op, key), most students first."""
        by: dict[tuple[str, str], dict] = {}
        for s in self.graded:
            for t in s.tests:
                if not t.passed and t.diagnosis:
                    m = by.setdefault((t.op, t.diagnosis), {"students": [], "tests": 0,
                                                            "example": explanation(t.output)})
                    m["tests"] += 1
                    if s.id not in m["students"]:
                        m["students"].append(s.id)
        found = [Mistake(op, key, m["students"], m["tests"], m["example"])
                 for (op, key), m in by.items()]
        return sorted(found, key=lambda m: (-len(m.students), -m.tests, m.op, m.key))

    def times(self) -> list[tuple[str, float]]:
        """(student, grading seconds), slowest first."""
        return sorted(((s.id, s.seconds) for s in self.students if s.seconds is not None),
                      key=lambda x: (-x[1], x[0]))

    def trouble(self) -> list[tuple[Student, dict[str, str]]]:
        """Students whose grading hit a limit or an error, or who had nothing to grade."""
        found = []
        for s in self.students:
            limits = s.limits
            if s.status != "graded" or limits:
                found.append((s, limits))
        return found
