"""The HW3 autograder: rubric tests, sandboxed runner, Gradescope results.

``python -m grader --help`` lists the commands.  Layout: ``rubric/`` (public and
hidden pytest tests with weights), ``sandbox.py`` + ``worker.py`` + ``protocol.py``
(running a submission in a limited child process), ``subject.py`` / ``checks.py`` /
``diagnose.py`` / ``expected.py`` (what the tests judge with), ``training.py`` and
``reference/`` (end-to-end runs), ``cli.py`` / ``batch.py`` / ``report.py`` (commands).
"""
