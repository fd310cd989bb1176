"""The report's plots: matplotlib (Agg, no display), each returned as PNG bytes.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state), at a fixed
size and dpi, so the same class gives the same pictures.
"""

from __future__ import annotations

import io

from hw3 import registry

COLOURS = {"graded": "#3b75af", "no-submission": "#b0b0b0", "error": "#d1495b"}
OP_COLOURS = ["#3b75af", "#e0873a", "#519e3e", "#8d69b8", "#c5463a", "#84584e"]
DPI = 100


def _figure(width: float, height: float):
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - matplotlib is in the dev extras
        raise RuntimeError("the class report needs matplotlib: pip install matplotlib "
                           "(make install installs it).") from err
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.set_layout_engine("constrained")
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def histogram(scores_by_status: dict[str, list[float]], max_score: float, mean: float,
              median: float) -> bytes:
    """Scores in bins of 5 points, stacked by status, with the mean and median."""
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    width = 5 if max_score >= 20 else 1
    # numpy's last bin includes its right edge: full marks fall in the top bin
    edges = [i * width for i in range(int(max_score // width) + 1)]
    if edges[-1] < max_score:
        edges.append(max_score)
    present = [s for s in COLOURS if scores_by_status.get(s)]
    ax.hist([scores_by_status[s] for s in present] or [[]], bins=edges, stacked=True,
            color=[COLOURS[s] for s in present] or None, label=present or None,
            edgecolor="white", linewidth=0.8)
    ax.axvline(mean, color="#222", linestyle="--", linewidth=1, label=f"mean {mean:.1f}")
    ax.axvline(median, color="#222", linestyle=":", linewidth=1.2,
               label=f"median {median:.1f}")
    ax.set_xlim(0, edges[-1])
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def op_heatmap(rates: dict[str, dict[str, float | None]]) -> bytes:
    """Share of the points earned, op by category (blank: no such tests)."""
    ops = [op for op in (*registry.NAMES, "training") if op in rates]
    cats = list(registry.CATEGORIES)
    values = [[rates[op].get(c) for c in cats] for op in ops]
    fig = _figure(6.0, 0.55 * len(ops) + 1.1)
    ax = fig.add_subplot()
    shown = [[float("nan") if v is None else v for v in row] for row in values]
    image = ax.imshow(shown, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v is not None:
                ax.text(j, i, f"{100 * v:.0f}%", ha="center", va="center", fontsize=9,
                        color="black")
    ax.set_xticks(range(len(cats)), cats)
    ax.set_yticks(range(len(ops)), ops)
    ax.tick_params(length=0)
    fig.colorbar(image, ax=ax, fraction=0.04, label="points earned")
    return _png(fig)


def test_rates(rows: list[dict]) -> bytes:
    """Pass rate of every test, in rubric order, coloured by op."""
    fig = _figure(7.5, 2.8)
    ax = fig.add_subplot()
    ops = list(dict.fromkeys(r["op"] for r in rows))
    colour = {op: OP_COLOURS[i % len(OP_COLOURS)] for i, op in enumerate(ops)}
    rates = [100 * r["passed"] / r["of"] if r["of"] else 0 for r in rows]
    ax.bar([r["number"] for r in rows], rates, color=[colour[r["op"]] for r in rows],
           edgecolor=["#222" if r["hidden"] else "none" for r in rows], linewidth=0.6)
    for op in ops:
        ax.bar([0], [0], color=colour[op], label=op)
    ax.set_xlim(0.3, len(rows) + 0.7)
    ax.set_ylim(0, 105)
    ax.set_xlabel("test number (outlined: hidden)")
    ax.set_ylabel("% of students passing")
    ax.legend(frameon=False, fontsize=8, ncols=len(ops), loc="lower left",
              bbox_to_anchor=(0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def mistakes(labels: list[str], counts: list[int]) -> bytes:
    """Most common diagnosed mistakes: students per mistake."""
    fig = _figure(7.5, 0.38 * max(len(labels), 1) + 0.9)
    ax = fig.add_subplot()
    ax.barh(range(len(labels)), counts, color="#d1495b")
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def times(seconds: list[float], statuses: list[str]) -> bytes:
    """Grading time of every submission, slowest first."""
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    ax.bar(range(1, len(seconds) + 1), seconds, color=[COLOURS.get(s, "#888") for s in statuses],
           width=0.85)
    ax.set_xlabel("submissions, slowest first")
    ax.set_ylabel("seconds")
    ax.set_xlim(0.3, len(seconds) + 0.7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
