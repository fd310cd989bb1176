"""What runs inside the sandbox: the worker that imports a submission, and the wire
format it shares with the grader.  Nothing here judges a submission."""
