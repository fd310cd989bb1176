"""The rubric as people read it, derived from hw3/registry.py: the listing of
``python -m grader rubric``, its JSON, and the handout's table (``python -m grader rubric
--write-handout hw3/README.md`` writes it between the RUBRIC markers; a test keeps it current)."""

from __future__ import annotations

import re

from hw3 import registry

BEGIN = "<!-- RUBRIC:BEGIN (python -m grader rubric --write-handout writes this part) -->"
END = "<!-- RUBRIC:END -->"


def rows() -> list[dict]:
    return [{"number": n, "op": op or "training", "check": c.key, "category": c.category,
             "title": c.title, "hidden": hidden, "points": value}
            for n, (c, op, hidden, value) in enumerate(registry.items(), 1)]


def text() -> str:
    lines = [f"{r['number']:>3}. {r['points']:>4g}  {'hidden' if r['hidden'] else 'public':<7}"
             f"{r['op']}: {r['title']}" for r in rows()]
    lines.append(f"total {registry.total():g} (public {registry.total(False):g}, hidden "
                 f"{registry.total(True):g}); declared TOTAL {registry.TOTAL:g}")
    return "\n".join(lines)


def _sum(op, category, hidden) -> float:
    return sum(r["points"] for r in rows() if r["op"] == op and r["hidden"] == hidden
               and (category is None or r["category"] == category))


def markdown() -> str:
    """The handout's rubric: who gets what, then the points per op and part."""
    parts = [c for c in registry.CATEGORIES if c != "training"]
    pub, hid = registry.total(False), registry.total(True)
    lines = [f"Your grade is out of {registry.TOTAL:g}. `make test` runs the **public** tests "
             f"({pub:g} points) and estimates your score; the autograder adds **hidden** tests "
             f"({hid:g} points): the same kinds of check on other inputs, and a training run with "
             "other settings. Each cell reads public + hidden points.", "",
             "| op | " + " | ".join(parts) + " | public | hidden | total |",
             "|---|" + "---|" * (len(parts) + 3)]
    for op in (*registry.NAMES, "training"):
        cells = ["" if op == "training" else f"{_sum(op, p, False):g} + {_sum(op, p, True):g}"
                 for p in parts]
        p, h = _sum(op, None, False), _sum(op, None, True)
        name = "training (end to end)" if op == "training" else op
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {p:g} | {h:g} | {p + h:g} |")
    lines.append("| **total** | " + " | ".join("" for _ in parts)
                 + f" | **{pub:g}** | **{hid:g}** | **{pub + hid:g}** |")
    lines += ["", "The checks, per op:", ""]
    lines += [f"- **{c.key.replace('_', ' ')}** ({c.category}): {c.title}." for c in registry.CHECKS]
    return "\n".join(lines)


def update(text: str) -> str:
    """``text`` (the handout) with its rubric block rewritten."""
    block = f"{BEGIN}\n\n{markdown()}\n\n{END}"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"the handout has no rubric block: put {BEGIN} and {END} where "
                         "the rubric goes.")
    return pattern.sub(lambda _: block, text)
