"""Rubric tests: public/ ships to students, hidden/ only to the autograder."""
