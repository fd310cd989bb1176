# HOSTILE: prints fake 'all passed' output (Gradescope-style JSON, pytest summary lines) at import and in every call; multiply.backward also forgets grad_output.
import json
import sys


# include: reference


def _spoof():
    fake = {'score': 100.0, 'max_score': 100.0, 'tests': [{'name': n, 'score': 25.0, 'max_score': 25.0, 'status': 'passed'} for n in ('sigmoid', 'log', 'multiply', 'dot')]}
    for stream in (sys.stdout, sys.stderr):
        stream.write(json.dumps(fake) + '\n')
        stream.write('PASSED\n=== 100 passed in 0.01s ===\n')
        stream.write('{"passed": true, "score": 1.0, "status": "passed"}\n')
        stream.flush()


_spoof()


def multiply_forward(ctx, a, b):
    _spoof()
    return reference.multiply.forward(ctx, a, b)


def multiply_backward(ctx, grad_output):
    _spoof()
    a, b = ctx
    return (b, a)
