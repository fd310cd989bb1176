"""The class report (instructor/report/, `make report`): one self-contained HTML page
and a markdown summary, from results.json files only, checked in headless Chromium.

The class is the one graded once per session (tests/conftest.py, ``graded_class``):
the reference, the starter, an empty folder, an archive without ops.py, an ops.py
with a syntax error, two students who forgot grad_output in sigmoid's backward, a
log backward multiplying by a, a multiply returning its gradients swapped, and a
sigmoid backward that ends its process.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
import headless  # noqa: E402

from instructor.report import collect  # noqa: E402

PLOTS = ("plot-histogram", "plot-ops", "plot-tests", "plot-mistakes", "plot-times")


class Page(HTMLParser):
    """Tables (id -> rows of cell texts) and images (id -> src) of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: dict[str, str] = {}
        self.tags: list[tuple[str, dict]] = []
        self._table = self._row = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "img":
            self.images[attrs.get("id", "")] = attrs.get("src", "")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def table(self, ident: str) -> list[dict[str, str]]:
        head, *rows = self.tables[ident]
        return [dict(zip(head, r)) for r in rows]


def make(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def report(graded_class, tmp_path_factory):
    """`make report` over a copy of the graded class: (folder, page text, summary)."""
    folder = tmp_path_factory.mktemp("report") / "grades"
    shutil.copytree(graded_class[1], folder)
    run = make("report", f"GRADES={folder}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "class report of 10 students" in run.stdout, run.stdout
    return (folder, (folder / "class-report.html").read_text(encoding="utf-8"),
            (folder / "class-report.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(report) -> Page:
    return Page(report[1])


def results_of(graded_class) -> dict[str, dict]:
    out = graded_class[1]
    return {p.name: json.loads((p / "results.json").read_text())
            for p in sorted(out.iterdir()) if (p / "results.json").is_file()}


# --------------------------------------------------------------------------- the page
def test_make_report_writes_one_page_and_a_summary_into_the_graded_folder(report):
    folder, _, _ = report
    assert (folder / "class-report.html").stat().st_size > 10_000
    assert (folder / "class-report.md").stat().st_size > 500


def test_the_page_is_self_contained_no_script_no_external_asset(report, page):
    _, text, _ = report
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe", "object")]
    links = [a.get("src") or a.get("href") for _, a in page.tags if a.get("src") or a.get("href")]
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in links), [
        u[:60] for u in links if not u.startswith(("data:", "#"))]
    assert "http://" not in text and "https://" not in text


def test_every_plot_is_an_embedded_png(page):
    assert sorted(page.images) == sorted(PLOTS)
    for ident, src in page.images.items():
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"))
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000, ident


def test_the_score_table_counts_every_student_in_its_bin(page, graded_class):
    bins = {r["score"]: int(r["students"]) for r in page.table("scores")}
    scores = [d["score"] for d in results_of(graded_class).values()]
    assert sum(bins.values()) == len(scores) == 10
    assert bins["90–100"] == sum(s >= 90 for s in scores) == 1  # the reference
    assert bins["0–9"] == sum(s < 10 for s in scores) == 4  # stub, ivy, joe, nobody


def test_per_test_pass_rates_count_the_graded_students_passing_each_test(page, graded_class):
    graded = [d for d in results_of(graded_class).values()
              if d["extra_data"]["hw3"]["status"] == "graded"]
    rows = page.table("tests")
    assert len(rows) == len(graded[0]["tests"])
    for row, n in zip(rows, range(len(rows))):
        passed = sum(d["tests"][n]["status"] == "passed" for d in graded)
        assert row["passing"] == f"{passed}/{len(graded)}", (row, passed)


def test_per_op_rates_show_the_share_of_points_earned(page, graded_class):
    ops = {r["op"]: r for r in page.table("ops")}
    assert list(ops) == ["sigmoid", "log", "multiply", "dot", "training"]
    graded = [d for d in results_of(graded_class).values()
              if d["extra_data"]["hw3"]["status"] == "graded"]
    got = sum(t["score"] for d in graded for t in d["tests"]
              if t["extra_data"]["op"] == "sigmoid" and t["extra_data"]["category"] == "backward")
    of = sum(t["max_score"] for d in graded for t in d["tests"]
             if t["extra_data"]["op"] == "sigmoid" and t["extra_data"]["category"] == "backward")
    assert ops["sigmoid"]["backward"] == f"{100 * got / of:.0f}%"


def test_the_mistakes_table_names_who_made_each_mistake(page):
    rows = {(r["op"], r["mistake"]): r for r in page.table("mistakes")}
    forgot = rows[("sigmoid", "forgot_upstream")]
    assert (forgot["students"], forgot["who"]) == ("2", "bea, cal")
    assert rows[("log", "times_for_divide")]["who"] == "dan"
    assert rows[("multiply", "swapped")]["who"] == "eve"
    assert "upstream gradient" in forgot["example feedback"]
    first = page.table("mistakes")[0]
    assert (first["op"], first["mistake"]) == ("sigmoid", "forgot_upstream")  # most students


def test_limits_and_errors_list_the_crash_the_syntax_error_and_missing_submissions(page):
    rows = {r["student"]: r for r in page.table("trouble")}
    assert set(rows) == {"hal", "ivy", "joe", "nobody"}, rows
    assert rows["hal"]["what"] == "crash or exit" and "exited" in rows["hal"]["first message"]
    assert rows["ivy"]["what"] == "ops.py did not load" and "syntax error" in rows["ivy"][
        "first message"]
    assert {rows[s]["status"] for s in ("joe", "nobody")} == {"no-submission"}
    assert {rows[s]["what"] for s in ("joe", "nobody")} == {"nothing to grade"}


def test_grading_times_are_listed_slowest_first(page, graded_class):
    times = [(r["student"], float(r["seconds"])) for r in page.table("times")]
    assert [t for _, t in times] == sorted((t for _, t in times), reverse=True)
    seconds = {sid: d["execution_time"] for sid, d in results_of(graded_class).items()}
    assert all(abs(seconds[sid] - t) < 0.01 for sid, t in times), (times, seconds)


def test_the_students_table_has_everyone_with_points_per_op(page, graded_class):
    rows = {r["student"]: r for r in page.table("students")}
    assert set(rows) == set(results_of(graded_class))
    assert (rows["ada"]["score"], rows["ada"]["sigmoid"]) == ("100", "20")


def test_the_summary_has_scores_mistakes_and_limits(report):
    _, _, md = report
    assert "10 students (8 graded, 2 without a submission, 0 grading errors)" in md, md[:300]
    assert "| sigmoid | `forgot_upstream` | 2 | bea, cal |" in md
    assert "- **hal** (graded, " in md and "crash or exit" in md


# --------------------------------------------------------------------------- inputs
def test_results_downloaded_from_gradescope_without_extra_data_give_the_same_tables(
        graded_class, tmp_path, page):
    """A folder of <student>/results.json as Gradescope exports it, where nothing of
    ours beyond the schema survived: ops and categories come from the test names."""
    for sid, data in results_of(graded_class).items():
        data.pop("extra_data", None)
        for t in data["tests"]:
            t.pop("extra_data", None)
        (tmp_path / "export" / sid).mkdir(parents=True)
        (tmp_path / "export" / sid / "results.json").write_text(json.dumps(data))
    run = subprocess.run([sys.executable, "-m", "instructor.report", tmp_path / "export",
                          "--html", tmp_path / "r.html", "--markdown", tmp_path / "r.md"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    again = Page((tmp_path / "r.html").read_text())
    for ident in ("scores", "ops", "tests", "trouble"):
        assert again.table(ident) == page.table(ident), ident


def test_a_class_with_a_hostile_student_id_is_escaped(graded_class, tmp_path):
    name = '<img src=x onerror="alert(1)">'
    (tmp_path / name).mkdir()
    shutil.copyfile(graded_class[1] / "bea" / "results.json", tmp_path / name / "results.json")
    from instructor.report import write

    html_path, _, _ = write(str(tmp_path), str(tmp_path / "r.html"), str(tmp_path / "r.md"))
    text = Path(html_path).read_text()
    assert name not in text and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    assert not [t for t, a in Page(text).tags if t == "img" and a.get("src") == "x"]


@pytest.mark.parametrize("message, kind", [
    ("Your code ran longer than 5 s on sigmoid.forward (an infinite loop, or a sleep?); it "
     "was stopped.", "timeout"),
    ("Your code's process died during log.backward: it used more than 120 s of CPU time.",
     "cpu"),
    ("sigmoid.forward ran out of memory (the limit is 768 MB of address space).", "memory"),
    ("Your code's process died during dot.forward: it crashed (segmentation fault).", "crash"),
    ("your code returned more data than the grader accepts during dot.forward: 300 MB, and "
     "the limit is 64 MB (an op's results have the size of its inputs)", "size"),
    ("ops.py has a syntax error (ops.py line 18: `def forward(ctx, a)`): expected ':'.",
     "import"),
    ("the grader could not finish this test (KeyError: 'x'). This is likely a problem in the "
     "grader", "grader"),
])
def test_failures_at_the_sandboxs_limits_are_recognised(message, kind):
    student = collect.Student("s", 0, 100, "graded", 1.0, [collect.Test(
        "sigmoid: x", "sigmoid", "forward", False, 2, 0, False, "", message)])
    assert list(student.limits) == [kind]


def test_report_of_a_folder_without_results_says_what_to_do(tmp_path):
    run = subprocess.run([sys.executable, "-m", "instructor.report", tmp_path], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "holds no results.json" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


# --------------------------------------------------------------------------- a browser
def test_the_page_renders_in_headless_chromium(report, tmp_path):
    """Load the page, check that every plot decodes and every table is laid out, and
    take a screenshot (tmp_path/report.png; REPORT_SCREENSHOT=path keeps a copy)."""
    executable = headless.find()
    if executable is None:
        pytest.skip("no Chromium here: apt-get install -y --no-install-recommends chromium "
                    "(.ci/run installs it)")
    folder, _, _ = report
    with headless.Browser(executable) as browser:
        browser.load((folder / "class-report.html").as_uri())
        images = browser.evaluate(
            "Promise.all([...document.images].map(i => i.decode().then("
            "() => [i.id, i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width],"
            "() => [i.id, 0, 0, 0])))")
        tables = browser.evaluate(
            "[...document.querySelectorAll('table')].map(t => [t.id, t.rows.length, "
            "t.getBoundingClientRect().height])")
        mistakes = browser.evaluate("document.getElementById('mistakes').innerText")
        shot = tmp_path / "report.png"
        width, height = browser.screenshot(str(shot))
    assert sorted(i[0] for i in images) == sorted(PLOTS)
    assert all(w > 300 and h > 150 and shown > 300 for _, w, h, shown in images), images
    laid_out = {ident: (n, h) for ident, n, h in tables}
    assert set(laid_out) == {"scores", "ops", "tests", "mistakes", "times", "trouble",
                             "students"}
    assert all(n > 1 and h > 40 for n, h in laid_out.values()), laid_out
    assert re.search(r"sigmoid\s+forgot_upstream\s+2", mistakes), mistakes[:300]
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and width >= 1000 and height > 3000, (width, height)
    if os.environ.get("REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["REPORT_SCREENSHOT"])
