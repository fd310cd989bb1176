"""The reference solution.  Never shipped to students (see `make release`)."""
