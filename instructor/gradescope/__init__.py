"""The Gradescope autograder: ``make autograder`` -> ``dist/autograder.zip``.

bundle.py builds and checks the zip; setup.sh (image build, once) and run_autograder
(every submission) are Gradescope's entry points, at the zip's root; run.py is what
run_autograder runs.  Only run.py and this file ship inside the bundle.
"""
