"""Your package for HW3.  The four operations you write live in ``starter/ops.py``."""
