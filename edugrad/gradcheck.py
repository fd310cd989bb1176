"""Finite-difference gradient checking: is an op's backward consistent with its forward?

The idea.  For a tiny step h, f(x + h) - f(x - h) ~= 2h f'(x).  Rather than
checking every entry of the Jacobian, contract the output with a random upstream
gradient u and compare, for each input element x_j,

    analytic:  backward(u)[j]                      (what your op returns)
    numeric:   (<u, f(x + h e_j)> - <u, f(x - h e_j)>) / 2h

A random u (instead of, say, summing the output) makes it unlikely that an error
cancels out.  Everything runs in float64 so the numeric side is accurate to ~1e-8.

Use it on any op made with ``@tensor_op``:

    >>> from edugrad.gradcheck import gradcheck
    >>> report = gradcheck(my_op, np.random.default_rng(0).normal(size=(3, 4)))
    >>> print(report)          # says which element is off, and by how much
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edugrad.checking import BackwardError
from edugrad.operation import Context
from edugrad.tensor import Tensor


@dataclass
class GradcheckReport:
    """The outcome of ``gradcheck``: ``ok`` and, if not, the worst element."""

    ok: bool
    op_name: str
    message: str
    input_index: int | None = None
    index: tuple[int, ...] | None = None
    analytic: float | None = None
    numeric: float | None = None
    input_value: float | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return self.message


def numerical_vjp(forward, arrays, upstream, wrt, eps: float = 1e-6, **options):
    """Central-difference estimate of dL/d(arrays[i]) for i in ``wrt``,
    where L = sum(upstream * forward(ctx, *arrays, **options))."""
    arrays = [np.array(a, dtype=np.float64) if i in wrt else np.array(a)
              for i, a in enumerate(arrays)]
    grads = []
    for i in wrt:
        x = arrays[i]
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            old = x[j]
            x[j] = old + eps
            plus = np.sum(upstream * forward(Context(), *arrays, **options))
            x[j] = old - eps
            minus = np.sum(upstream * forward(Context(), *arrays, **options))
            x[j] = old
            g[j] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(op, *arrays, upstream=None, rng=None, eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-4, **options) -> GradcheckReport:
    """Compare ``op``'s backward with finite differences of its own forward.

    ``op`` is a ``@tensor_op`` function; ``arrays`` its inputs (floating inputs are
    checked, integer ones are passed through); ``options`` go to forward.  An element
    passes when |analytic - numeric| <= atol + rtol * |numeric|.
    """
    op_class = getattr(op, "op_class", None)
    if op_class is None:
        raise TypeError(
            f"gradcheck checks one operation: pass a function made with @tensor_op, got "
            f"{getattr(op, '__name__', type(op).__name__)!r}."
        )
    name = op_class.__name__
    arrays = [np.array(a, dtype=np.float64) if np.issubdtype(np.asarray(a).dtype, np.floating)
              else np.array(a) for a in arrays]
    wrt = [i for i, a in enumerate(arrays) if np.issubdtype(a.dtype, np.floating)]
    rng = rng if rng is not None else np.random.default_rng(0)

    inputs = [Tensor(a.copy()) for a in arrays]
    out = op(*inputs, **options)
    if upstream is None:
        upstream = rng.normal(size=out.value.shape)
    upstream = np.asarray(upstream, dtype=np.float64)
    try:
        out.backward(upstream)
    except BackwardError as err:
        return GradcheckReport(False, name, str(err))

    numeric = numerical_vjp(op_class.forward, arrays, upstream, wrt, eps, **options)
    for i, num in zip(wrt, numeric):
        ana = inputs[i].grad
        excess = np.abs(ana - num) - (atol + rtol * np.abs(num))
        if np.all(excess <= 0):
            continue
        j = tuple(int(k) for k in np.unravel_index(np.argmax(excess), excess.shape))
        names = getattr(op_class, "input_names", ())
        label = f"input {i} (`{names[i]}`)" if i < len(names) else f"input {i}"
        msg = (
            f"{name}: the gradient of {label} disagrees with finite differences.\n"
            f"  worst element {j}: input value {arrays[i][j]:.6g}, your backward gave "
            f"{ana[j]:.6g}, finite differences give {num[j]:.6g} "
            f"(tolerance {atol:g} + {rtol:g} * |numeric|)."
        )
        return GradcheckReport(False, name, msg, i, j, float(ana[j]), float(num[j]),
                               float(arrays[i][j]))
    return GradcheckReport(True, name, f"{name}: backward matches finite differences.")
