"""Instructors only: the reference solution, the hidden tests and cases, the private
training references, the mistake tables, and the tools that build the student release,
the Gradescope bundle and the cluster fan-out.  Never shipped to students; hidden from
every submission's process.  Imports run one way: this package uses the grader, never
the reverse."""
