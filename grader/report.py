"""Turn rubric outcomes into the student's table and Gradescope's results.json."""

from __future__ import annotations

from grader.rubric.weights import OPS, PARTS, TOTAL
from grader.runner import Outcome


def _fmt_points(x: float) -> str:
    return f"{x:g}"


def _first_sentence_block(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def table(outcomes: list[Outcome], title: str, hidden_note: bool = True) -> str:
    """The student's view: a row per op, forward/backward/properties, then what to fix."""
    lines = [title, ""]
    lines.append(f"{'op':<10}{'forward':>12}{'backward':>12}{'properties':>12}")
    for op in OPS:
        cells = []
        for part in PARTS:
            mine = [o for o in outcomes if o.item == f"{op}_{part}"]
            got = sum(o.points for o in mine if o.passed)
            total = sum(o.points for o in mine)
            mark = "ok" if mine and got == total else "--" if got == 0 else ".."
            cells.append(f"{_fmt_points(got)}/{_fmt_points(total)} {mark}" if mine else "-")
        lines.append(f"{op:<10}" + "".join(f"{c:>12}" for c in cells))
    train = [o for o in outcomes if o.item == "training"]
    if train:
        got = sum(o.points for o in train if o.passed)
        total = sum(o.points for o in train)
        lines.append(f"{'training':<10}{_fmt_points(got) + '/' + _fmt_points(total):>12}"
                     "   (word2vec trained with your four ops)")
    score = sum(o.points for o in outcomes if o.passed)
    possible = sum(o.points for o in outcomes)
    lines.append("")
    if all(not o.hidden for o in outcomes):
        rest = TOTAL - possible
        lines.append(f"Estimated score: {_fmt_points(score)} / {_fmt_points(possible)} public "
                     "points" + (f" (hidden tests worth {_fmt_points(rest)} more run when "
                                 "your submission is graded)." if hidden_note and rest > 0
                                 else "."))
    else:
        lines.append(f"Score: {_fmt_points(score)} / {_fmt_points(possible)}")
    failures = []
    for op in (*OPS, "training"):
        first = next((o for o in outcomes if o.op == op and not o.passed), None)
        if first is not None:
            failures.append(f"  {op:<9} {_first_sentence_block(first.message)}")
    if failures:
        lines += ["", "First problem per op (fix these first, then run again):", *failures]
    else:
        lines += ["", "All checks pass."]
    return "\n".join(lines)


def results_json(outcomes: list[Outcome], seconds: float, output: str) -> dict:
    """Gradescope's autograder schema."""
    tests = []
    for o in outcomes:
        tests.append({
            "name": o.name + (" [hidden]" if o.hidden else ""),
            "score": o.points if o.passed else 0.0,
            "max_score": o.points,
            "status": "passed" if o.passed else "failed",
            "output": o.message,
            "visibility": "after_published" if o.hidden else "visible",
        })
    return {
        "score": float(sum(t["score"] for t in tests)),
        "max_score": float(sum(t["max_score"] for t in tests)),
        "execution_time": round(seconds, 2),
        "output": output,
        "visibility": "visible",
        "tests": tests,
    }


def failed_results(message: str, seconds: float = 0.0) -> dict:
    """results.json for a submission that could not be graded at all (score 0)."""
    return {
        "score": 0.0,
        "max_score": float(TOTAL),
        "execution_time": round(seconds, 2),
        "output": message,
        "visibility": "visible",
        "tests": [{"name": "submission: find and load ops.py", "score": 0.0,
                   "max_score": float(TOTAL), "status": "failed", "output": message,
                   "visibility": "visible"}],
    }
