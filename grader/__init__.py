"""The HW3 autograder, the part students see too (the instructors' part is instructor/).

``python -m grader --help`` lists the commands.  Layout: ``rubric/`` (the public
tests, built from hw3/registry.py, and their cases), ``sandbox.py`` + ``confine.py``
(running a submission in confined child processes: sandboxed/worker.py; with
``seccomp.py``, ``landlock.py``, ``second_user.py`` and ``memory.py``),
``subject.py`` / ``checks.py`` / ``diagnose.py`` / ``numerical.py`` (what the tests
judge with), ``training.py`` and ``reference/`` (end-to-end runs), ``cli.py`` /
``batch.py`` / ``feedback.py`` / ``gradebook.py`` (commands and what they write).
"""
