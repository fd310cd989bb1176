"""The class report: one self-contained HTML page and a markdown summary of a graded
class, read from its results.json files only (``python -m instructor.report GRADES``,
or ``make report``).

It shows the score histogram, per-op and per-test pass rates, the most common
diagnosed mistakes (with the students who made them), grading time per submission
and the students whose grading hit a limit or an error.  Instructors only: it names
students and quotes hidden tests.
"""

from __future__ import annotations

import os

from hw3 import atomic
from instructor.report.collect import Class, load
from instructor.report.page import html_page, markdown

HTML, MARKDOWN = "class-report.html", "class-report.md"


def write(folder: str, html_path: str | None = None, md_path: str | None = None,
          title: str | None = None) -> tuple[str, str, Class]:
    """Write the report of the results under ``folder``; (html path, md path, class)."""
    cls = Class(folder, load(folder))
    if not cls.students:
        raise ValueError(f"{folder} holds no results.json (a graded folder has "
                         "<student>/results.json: run make grade first, or give the folder "
                         "of results downloaded from Gradescope).")
    title = title or f"HW3 class report: {os.path.basename(os.path.abspath(folder))}"
    html_path = html_path or os.path.join(folder, HTML)
    md_path = md_path or os.path.join(folder, MARKDOWN)
    atomic.write_text(html_path, html_page(cls, title))
    atomic.write_text(md_path, markdown(cls, title))
    return html_path, md_path, cls
