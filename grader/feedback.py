"""Turn rubric outcomes into the student's table and Gradescope's results.json.

What a student may see before grades are published is the public part only: the
visible summary (``output``) holds public results and a public subtotal, and a
hidden test's failure appears only in that test, whose visibility keeps it from
students until publication.  Staff-only text never goes into results.json's
visible fields (``grader.cli`` prints it, and Gradescope keeps stdout hidden).
"""

from __future__ import annotations

import re

from grader.runner import Outcome
from hw3 import registry

LEGEND = "ok = all points, .. = some points, -- = no points"
FIRST_PROBLEM_CHARS = 700


def _pts(x: float) -> str:
    return f"{x:g}"


def cut(text: str, limit: int = FIRST_PROBLEM_CHARS) -> str:
    """``text``'s first paragraph up to ``limit`` characters, ending at a sentence
    boundary; what follows its first line break (a snippet to paste, a "How to fix")
    is kept as it is."""
    head, newline, rest = text.partition("\n")
    head = " ".join(head.split())
    if len(head) > limit:
        ends = [m.end() for m in re.finditer(r"[.:!?](?=\s)", head[:limit])]
        head = head[: ends[-1]] + " [...]" if ends else head[: limit - 5].rstrip() + " [...]"
    return head + (newline + rest.rstrip() if rest.strip() else "")


def _cell(mine: list[Outcome]) -> str:
    if not mine:
        return "-"
    got = sum(o.points for o in mine if o.passed)
    total = sum(o.points for o in mine)
    mark = "ok" if got == total else "--" if got == 0 else ".."
    return f"{_pts(got)}/{_pts(total)} {mark}"


def _rows(outcomes: list[Outcome]) -> list[tuple[str, list[str]]]:
    parts = [c for c in registry.CATEGORIES if c != "training"]
    rows = [(op, [_cell([o for o in outcomes if o.op == op and o.category == part])
                  for part in parts]) for op in registry.NAMES]
    train = [o for o in outcomes if o.op == "training"]
    if train:
        rows.append(("training", [_cell(train)]))
    return rows


def first_problems(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    """(op, its first failure's message) for every op with a failure, in rubric order."""
    found = []
    for op in (*registry.NAMES, "training"):
        first = next((o for o in outcomes if o.op == op and not o.passed), None)
        if first is not None:
            found.append((op, cut(first.message)))
    return found


def table(outcomes: list[Outcome], title: str, hidden_note: bool = True) -> str:
    """The student's view: a row per op (forward / backward / properties), then what to
    fix first."""
    parts = [c for c in registry.CATEGORIES if c != "training"]
    lines = [title, "", f"{'op':<10}" + "".join(f"{p:>12}" for p in parts)]
    for op, cells in _rows(outcomes):
        if op == "training":
            lines.append(f"{op:<10}{cells[0]:>12}   (word2vec trained with your ops)")
        else:
            lines.append(f"{op:<10}" + "".join(f"{c:>12}" for c in cells))
    lines += ["", f"({LEGEND})"]
    score = sum(o.points for o in outcomes if o.passed)
    possible = sum(o.points for o in outcomes)
    if all(not o.hidden for o in outcomes):
        rest = registry.total(hidden=True)
        lines.append(f"Estimated score: {_pts(score)} / {_pts(possible)} public points"
                     + (f" (hidden tests worth {_pts(rest)} more run when your submission is "
                        "graded)." if hidden_note and rest > 0 else "."))
    else:
        lines.append(f"Score: {_pts(score)} / {_pts(possible)}")
    problems = first_problems(outcomes)
    if problems:
        lines += ["", "First problem per op (fix these first, then run again):"]
        lines += [f"  {op:<9} " + text.replace("\n", "\n" + " " * 12) for op, text in problems]
    else:
        lines += ["", "All checks pass."]
    return "\n".join(lines)


def public_summary(outcomes: list[Outcome]) -> str:
    """The visible summary (markdown): public results and the public subtotal only."""
    public = [o for o in outcomes if not o.hidden]
    parts = [c for c in registry.CATEGORIES if c != "training"]
    lines = ["| op | " + " | ".join(parts) + " |", "|---|" + "---|" * len(parts)]
    for op, cells in _rows(public):
        lines.append(f"| {op} | " + " | ".join(cells + [""] * (len(parts) - len(cells))) + " |")
    got = sum(o.points for o in public if o.passed)
    total = sum(o.points for o in public)
    hidden = sum(o.points for o in outcomes if o.hidden)
    lines += ["", f"({LEGEND})", "", f"**Public tests: {_pts(got)} / {_pts(total)}.**"]
    if hidden:
        lines.append(f"Hidden tests ({_pts(hidden)} points) were graded too; their results "
                     "appear when grades are published.")
    problems = first_problems(public)
    if problems:
        lines += ["", "First problem per op (fix these first):", ""]
        lines += [f"- **{op}**: " + _md_block(text) for op, text in problems]
    return "\n".join(lines)


def _md_block(text: str) -> str:
    """A message for markdown: its first paragraph, then the rest as a code block."""
    head, _, rest = text.partition("\n")
    return head + (f"\n\n  ```\n{rest.rstrip()}\n  ```" if rest.strip() else "")


def results_json(outcomes: list[Outcome], seconds: float) -> dict:
    """Gradescope's autograder schema (https://gradescope-autograders.readthedocs.io)."""
    tests = []
    for o in outcomes:
        tests.append({
            "number": str(o.number),
            "name": o.name + (" [hidden]" if o.hidden else ""),
            "score": o.points if o.passed else 0.0,
            "max_score": o.points,
            "status": "passed" if o.passed else "failed",
            "output": o.message,
            "output_format": "text",
            "visibility": "after_published" if o.hidden else "visible",
            "extra_data": {"op": o.op, "check": o.key, "category": o.category,
                           "hidden": o.hidden, "diagnosis": o.diagnosis,
                           "seconds": round(o.seconds, 3)},
        })
    return {
        "score": float(sum(t["score"] for t in tests)),
        "max_score": float(sum(t["max_score"] for t in tests)),
        "execution_time": round(seconds, 2),
        "output": public_summary(outcomes),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def failed_results(message: str, seconds: float = 0.0) -> dict:
    """results.json for a submission that could not be graded at all (score 0)."""
    return {
        "score": 0.0,
        "max_score": float(registry.TOTAL),
        "execution_time": round(seconds, 2),
        "output": message,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"number": "1", "name": "submission: find and load ops.py", "score": 0.0,
                   "max_score": float(registry.TOTAL), "status": "failed", "output": message,
                   "output_format": "text", "visibility": "visible"}],
    }
