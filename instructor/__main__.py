"""`python -m instructor cases | reference`: rebuild the grader's data from the solution."""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m instructor",
        description="Rebuild what the grader reads from the reference solution. Commit "
                    "the files it writes.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("cases", help="the public and hidden cases (inputs and exact gradients, "
                                 "and the law tests' examples)")
    sub.add_parser("reference", help="the training reference runs (loss curves, purity)")
    args = parser.parse_args(argv)
    if args.command == "cases":
        from instructor.cases import write
    else:
        from instructor.reference import make_reference as write
    for path in write():
        print(f"wrote {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
