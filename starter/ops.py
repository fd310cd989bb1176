"""HW3: the four operations you implement.

Each op is a class with two static methods working on numpy arrays (see
``edugrad/operation.py`` for the full story, and ``edugrad/ops.py`` for worked
examples such as ``add``, ``matmul`` and ``relu``):

* ``forward(ctx, ...)`` computes the output.  Save what backward will need in ``ctx``
  (``ctx.append(x)`` or ``ctx.some_name = x``).
* ``backward(ctx, grad_output)`` receives dL/d(output) (the output's shape) and
  returns dL/d(input) for every input, each with that input's shape, as a tuple.

Check each op as you go: ``make test``.  The hand-out,
``hw3/README.md``, walks through the derivatives.
"""

from __future__ import annotations

import numpy as np  # noqa: F401  (you will need it)

from edugrad.operation import Operation, tensor_op


def _todo(what: str):
    return NotImplementedError(
        f"{what} is not implemented yet. Open starter/ops.py, replace the "
        "`raise _todo(...)` line with your code, then run `make test` to check it."
    )


@tensor_op
class sigmoid(Operation):
    """Elementwise logistic function: sigma(a) = 1 / (1 + exp(-a)).

    Shapes: a is any shape; the output has the same shape.

    To derive: d sigma(a) / da, written in terms of sigma(a) itself (then backward
    can reuse the forward output instead of recomputing exponentials).
    Careful: exp(-a) overflows for a around -710 in float64 (-89 in float32);
    your forward should return exactly 0.0 or 1.0 there, with no warning and no NaN.
    """

    @staticmethod
    def forward(ctx, a):
        raise _todo("sigmoid.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise _todo("sigmoid.backward")


@tensor_op
class log(Operation):
    """Elementwise natural logarithm: log(a), for a > 0.

    Shapes: a is any shape; the output has the same shape.

    To derive: d log(a) / da.  Remember backward returns dL/da, not d log(a)/da:
    combine it with grad_output (the chain rule).
    """

    @staticmethod
    def forward(ctx, a):
        raise _todo("log.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise _todo("log.backward")


@tensor_op
class multiply(Operation):
    """Elementwise product: out = a * b.

    Shapes: a and b have the same shape; so does the output.

    To derive: dL/da and dL/db.  Return them in the order of forward's arguments,
    ``return grad_a, grad_b``.  What happens when the same Tensor is passed as both
    a and b (multiply(x, x))?  edugrad adds the two contributions for you.
    """

    @staticmethod
    def forward(ctx, a, b):
        raise _todo("multiply.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise _todo("multiply.backward")


@tensor_op
class dot(Operation):
    """Dot product along the last axis: out[...] = sum_i a[..., i] * b[..., i].

    Shapes: a and b are both (..., d); the output is (...), one number per vector
    pair: (d,) -> (), (n, d) -> (n,), (n, k, d) -> (n, k).

    To derive: dL/da[..., i] and dL/db[..., i].  grad_output has the output's shape
    (...), the gradients must have shape (..., d): think about how one number per
    pair reaches all d entries of that pair's vectors.
    """

    @staticmethod
    def forward(ctx, a, b):
        raise _todo("dot.forward")

    @staticmethod
    def backward(ctx, grad_output):
        raise _todo("dot.backward")
