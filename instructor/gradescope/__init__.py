"""The Gradescope autograder bundle: ``make autograder`` -> ``dist/autograder.zip``.

The zip holds, at its root, Gradescope's two entry points (``setup.sh``,
``run_autograder``, both from this folder) and the source the grader needs:
edugrad/, starter/, hw3/, grader/ (hidden tests included: the bundle is for the
instructors' Gradescope account only, never for students; but neither the reference
solution grader/solution nor the catalogs, which grading never needs), data/toy/ and
pyproject.toml.  ``run_autograder`` calls ``python -m grader.gradescope.run``.
"""
