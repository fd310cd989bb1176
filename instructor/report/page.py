"""The class report as one self-contained HTML page (inline CSS, plots as base64 PNGs,
no script, nothing fetched) and as a markdown summary.

Everything a student controls (ids, the texts of their failures) is escaped.
"""

from __future__ import annotations

import base64
import html

from grader.feedback import cut
from instructor.report import plots
from instructor.report.collect import LIMITS, Class

TOP_MISTAKES = 12
STUDENTS_SHOWN = 8  # names listed per mistake before "and N more"
LABEL = {kind: label for kind, label, _ in LIMITS}

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
       max-width: 1060px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.6em; margin-bottom: .1em; } h2 { margin-top: 1.8em; font-size: 1.25em;
       border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.sub { color: #666; margin-top: 0; }
.cards { display: flex; gap: .8em; flex-wrap: wrap; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: .5em .9em; min-width: 7em; }
.card b { display: block; font-size: 1.5em; }
.card span { color: #666; font-size: .85em; }
img { max-width: 100%; height: auto; display: block; margin: .6em 0; }
table { border-collapse: collapse; width: 100%; font-size: .9em; margin: .6em 0; }
th, td { border-bottom: 1px solid #eee; padding: .25em .5em; text-align: left;
         vertical-align: top; }
th { background: #f6f6f6; position: sticky; top: 0; }
th.n { text-align: right; }
table.narrow { width: auto; min-width: 20em; }
nav { font-size: .9em; margin: .3em 0 1em; } nav a { margin-right: 1em; color: #3b75af; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { background: #eee; width: 8em; height: .8em; display: inline-block; border-radius: 3px;
       vertical-align: middle; margin-right: .4em; }
.bar i { display: block; height: 100%; background: #3b75af; border-radius: 3px; }
.low .bar i { background: #d1495b; }
.status-error { color: #b3261e; font-weight: 600; }
.status-no-submission { color: #777; }
td[class^="status-"], td.n { white-space: nowrap; }
.why { color: #444; font-size: .88em; }
code { background: #f3f3f3; padding: 0 .25em; border-radius: 3px; }
details { margin: .4em 0; } summary { cursor: pointer; color: #3b75af; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _img(png: bytes, alt: str, ident: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img id="{ident}" alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _pct(passed: int, of: int) -> str:
    share = passed / of if of else 0.0
    low = " low" if share < 0.5 else ""
    return (f'<td class="n{low}"><span class="bar"><i style="width:{100 * share:.0f}%">'
            f"</i></span>{passed}/{of}</td>")


def bins(cls: Class, width: int = 10) -> list[tuple[str, int]]:
    """(range, students) in bins of ``width`` points; the last bin holds full marks."""
    top = cls.score_stats()["max_score"]
    edges = list(range(0, int(top), width)) or [0]
    found = []
    for n, lo in enumerate(edges):
        last = n == len(edges) - 1
        hi = top if last else lo + width
        inside = sum(lo <= s.score < hi or (last and s.score >= hi) for s in cls.students)
        found.append((f"{lo}–{hi:g}" if last else f"{lo}–{hi - 1:g}" if width > 1
                      else f"{lo}", inside))
    return found


def _table(ident: str, head: list[str], rows: list[list[str]], narrow: bool = False) -> str:
    """``rows`` hold ready HTML cells (``<td>...</td>``); a column whose first cell is
    numeric gets a right-aligned header too."""
    first = rows[0] if rows else []
    heads = "".join(
        f'<th class="n">{_e(h)}</th>' if i < len(first) and first[i].startswith('<td class="n')
        else f"<th>{_e(h)}</th>" for i, h in enumerate(head))
    kind = ' class="narrow"' if narrow else ""
    return (f'<table id="{ident}"{kind}><thead><tr>{heads}'
            "</tr></thead><tbody>" + "".join("<tr>" + "".join(r) + "</tr>" for r in rows)
            + "</tbody></table>")


def _td(text, numeric: bool = False) -> str:
    return f'<td class="n">{_e(text)}</td>' if numeric else f"<td>{_e(text)}</td>"


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:STUDENTS_SHOWN])
    return shown + (f" and {len(ids) - STUDENTS_SHOWN} more" if len(ids) > STUDENTS_SHOWN
                    else "")


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def html_page(cls: Class, title: str) -> str:
    stats = cls.score_stats()
    counts = cls.counts()
    n = len(cls.students)
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(title)}</h1>",
             f"<p class=\"sub\">{n} students, from the results.json files in "
             f"<code>{_e(cls.folder)}</code>. Pass rates and mistakes count the "
             f"{len(cls.graded)} graded submissions.</p>"]
    cards = [(f"{n}", "students"), (f"{counts.get('graded', 0)}", "graded"),
             (f"{counts.get('no-submission', 0)}", "no submission"),
             (f"{counts.get('error', 0)}", "grading errors"),
             (_fmt(stats["mean"]), f"mean / {stats['max_score']:g}"),
             (_fmt(stats["median"]), "median"),
             (f"{sum(s.score >= s.max_score for s in cls.students)}", "full marks")]
    parts.append('<div class="cards">' + "".join(
        f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in cards)
        + "</div>")
    parts.append("<nav>" + "".join(f'<a href="#h-{k}">{v}</a>' for k, v in (
        ("scores", "scores"), ("ops", "per op"), ("tests", "per test"),
        ("mistakes", "mistakes"), ("times", "grading time"), ("trouble", "limits and errors"),
        ("students", "students"))) + "</nav>")

    # scores
    by_status: dict[str, list[float]] = {}
    for s in cls.students:
        by_status.setdefault(s.status, []).append(s.score)
    parts += ["<h2 id=\"h-scores\">Scores</h2>",
              _img(plots.histogram(by_status, stats["max_score"], stats["mean"],
                                   stats["median"]), "score histogram", "plot-histogram")]
    parts.append(_table("scores", ["score", "students"],
                        [[_td(label), _td(k, True)] for label, k in bins(cls)], narrow=True))

    # ops and tests
    rates = cls.op_rates()
    test_rows = cls.test_rates()
    parts += ["<h2 id=\"h-ops\">Per op</h2>",
              "<p class=\"why\">Share of the points earned by graded submissions, per op and "
              "part of the rubric.</p>",
              _img(plots.op_heatmap(rates), "points earned per op and category", "plot-ops")]
    op_rows = []
    for op, cats in rates.items():
        mine = [r for r in test_rows if r["op"] == op]
        if not mine:
            continue
        everything = sum(1 for s in cls.graded
                         if all(t.passed for t in s.tests if t.op == op))
        op_rows.append([_td(op)] + [_td("" if v is None else f"{100 * v:.0f}%", True)
                                    for v in cats.values()]
                       + [_pct(everything, len(cls.graded))])
    parts.append(_table("ops", ["op", *next(iter(rates.values())).keys(),
                                "students passing every test"], op_rows))
    parts += ["<h2 id=\"h-tests\">Per test</h2>",
              _img(plots.test_rates(test_rows), "pass rate per test", "plot-tests")
              if test_rows else "<p>No graded submissions.</p>"]
    parts.append(_table("tests", ["#", "test", "points", "passing"], [
        [_td(r["number"], True), _td(r["name"]), _td(f"{r['points']:g}", True),
         _pct(r["passed"], r["of"])] for r in test_rows]))

    # mistakes
    mistakes = cls.mistakes()
    parts.append("<h2 id=\"h-mistakes\">Most common mistakes</h2>")
    if mistakes:
        top = mistakes[:TOP_MISTAKES]
        parts += ["<p class=\"why\">Failed tests whose wrong answer the grader recognised "
                  "(the test's <code>diagnosis</code>), by op; one example of the feedback "
                  "students got.</p>",
                  _img(plots.mistakes([f"{m.op}: {m.key}" for m in top],
                                      [len(m.students) for m in top]),
                       "most common diagnosed mistakes", "plot-mistakes")]
        parts.append(_table("mistakes", ["op", "mistake", "students", "tests", "who",
                                         "example feedback"], [
            [_td(m.op), f"<td><code>{_e(m.key)}</code></td>", _td(len(m.students), True),
             _td(m.tests, True), _td(_names(m.students)),
             f'<td class="why">{_e(cut(m.example, 260))}</td>'] for m in mistakes]))
    else:
        parts.append("<p id=\"mistakes\">No diagnosed mistakes.</p>")

    # times
    times = cls.times()
    status = {s.id: s.status for s in cls.students}
    parts.append("<h2 id=\"h-times\">Grading time</h2>")
    if times:
        secs = [t for _, t in times]
        parts += [f"<p class=\"why\">median {_fmt(sorted(secs)[len(secs) // 2])} s, slowest "
                  f"{_fmt(secs[0])} s, {_fmt(sum(secs) / 60)} min in all.</p>",
                  _img(plots.times(secs, [status[s] for s, _ in times]),
                       "grading time per submission", "plot-times"),
                  _table("times", ["student", "seconds", "status"], [
                      [_td(sid), _td(_fmt(t), True), _td(status[sid])] for sid, t in times[:10]],
                         narrow=True)]

    # trouble
    trouble = cls.trouble()
    parts.append("<h2 id=\"h-trouble\">Limits and errors</h2>")
    if trouble:
        parts.append(_table("trouble", ["student", "status", "score", "what", "first message"], [
            [_td(s.id), f'<td class="status-{_e(s.status)}">{_e(s.status)}</td>',
             _td(_fmt(s.score), True),
             _td(", ".join(LABEL[k] for k in limits) or
                 ("nothing to grade" if s.status == "no-submission" else s.status)),
             f'<td class="why">{_e(cut(next(iter(limits.values()), s.output), 260))}</td>']
            for s, limits in trouble]))
    else:
        parts.append("<p id=\"trouble\">No submission hit a limit, crashed or failed to "
                     "grade.</p>")
    isolation = sorted({s.isolation for s in cls.students if s.isolation})
    if isolation:
        parts.append(f"<p class=\"status-error\">{_e(isolation[0])}</p>")

    # every student
    ops = [op for op in rates if any(r["op"] == op for r in test_rows)]
    rows = []
    for s in cls.students:
        per = {op: sum(t.score for t in s.tests if t.op == op) for op in ops}
        rows.append([_td(s.id), _td(_fmt(s.score), True), f'<td class="status-{_e(s.status)}">'
                     f'{_e(s.status)}</td>'] + [_td(_fmt(per[op]), True) for op in ops]
                    + [_td("" if s.seconds is None else _fmt(s.seconds), True)])
    parts += ["<h2 id=\"h-students\">Students</h2>",
              "<details open><summary>every student</summary>",
              _table("students", ["student", "score", "status", *ops, "seconds"], rows),
              "</details></body></html>"]
    return "\n".join(parts)


def markdown(cls: Class, title: str) -> str:
    """The same report as text: summary, per-op, mistakes, limits."""
    stats, counts = cls.score_stats(), cls.counts()
    lines = [f"# {title}", "",
             f"{len(cls.students)} students ({counts.get('graded', 0)} graded, "
             f"{counts.get('no-submission', 0)} without a submission, "
             f"{counts.get('error', 0)} grading errors). Score out of {stats['max_score']:g}: "
             f"mean {_fmt(stats['mean'])}, median {_fmt(stats['median'])}, min "
             f"{_fmt(stats['min'])}, max {_fmt(stats['max'])}.", "",
             "## Scores", "", "| score | students |", "|---|---:|"]
    lines += [f"| {label} | {k} |" for label, k in bins(cls)]
    rates = cls.op_rates()
    cats = list(next(iter(rates.values())).keys())
    lines += ["", "## Points earned per op (graded submissions)", "",
              "| op | " + " | ".join(cats) + " |", "|---|" + "---:|" * len(cats)]
    for op, row in rates.items():
        if any(v is not None for v in row.values()):
            lines.append(f"| {op} | " + " | ".join("" if v is None else f"{100 * v:.0f}%"
                                                   for v in row.values()) + " |")
    worst = sorted(cls.test_rates(), key=lambda r: (r["passed"] / r["of"] if r["of"] else 0,
                                                    r["number"]))[:10]
    lines += ["", "## Hardest tests", "", "| # | test | passing |", "|---:|---|---:|"]
    lines += [f"| {r['number']} | {_md(r['name'])} | {r['passed']}/{r['of']} |" for r in worst]
    lines += ["", "## Most common mistakes", ""]
    mistakes = cls.mistakes()
    if mistakes:
        lines += ["| op | mistake | students | who |", "|---|---|---:|---|"]
        lines += [f"| {m.op} | `{_md(m.key)}` | {len(m.students)} | {_md(_names(m.students))} |"
                  for m in mistakes[:TOP_MISTAKES]]
    else:
        lines.append("No diagnosed mistakes.")
    times = cls.times()
    if times:
        secs = [t for _, t in times]
        lines += ["", "## Grading time", "",
                  f"median {_fmt(sorted(secs)[len(secs) // 2])} s; slowest: "
                  + ", ".join(f"{_md(s)} {_fmt(t)} s" for s, t in times[:5]) + "."]
    lines += ["", "## Limits and errors", ""]
    trouble = cls.trouble()
    if trouble:
        lines += [f"- **{_md(s.id)}** ({s.status}, {_fmt(s.score)}): "
                  + (", ".join(LABEL[k] for k in limits) or
                     ("nothing to grade" if s.status == "no-submission" else s.status))
                  + f" — {_md(cut(next(iter(limits.values()), s.output), 200))}"
                  for s, limits in trouble]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")
