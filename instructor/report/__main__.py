"""`python -m instructor.report GRADES`: the class report (see instructor/report/)."""

from __future__ import annotations

import argparse
import os
import sys

from instructor.report import HTML, MARKDOWN, write


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m instructor.report",
        description="Write a class report from a graded folder's results.json files (after "
                    "make grade, make condor-grade-merge, or results downloaded from "
                    f"Gradescope as <student>/results.json): GRADES/{HTML}, one self-contained "
                    "page (score histogram, per-op and per-test pass rates, the most common "
                    "diagnosed mistakes and who made them, grading times, limits and errors), "
                    f"and GRADES/{MARKDOWN}, the same as text. Instructors only: it names "
                    "students.")
    p.add_argument("grades", metavar="GRADES", help="folder holding <student>/results.json")
    p.add_argument("--html", metavar="FILE", help=f"where the page goes (GRADES/{HTML})")
    p.add_argument("--markdown", metavar="FILE", help=f"where the summary goes "
                   f"(GRADES/{MARKDOWN})")
    p.add_argument("--title", help="the page's title")
    args = p.parse_args(argv)
    if not os.path.isdir(args.grades):
        print(f"error: {args.grades} is not a folder: give the folder grade-all wrote (make "
              "grade's GRADES) or one of results downloaded from Gradescope.", file=sys.stderr)
        return 2
    try:
        html_path, md_path, cls = write(args.grades, args.html, args.markdown, args.title)
    except (ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"class report of {len(cls.students)} students: {html_path} (open it in a browser) "
          f"and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
