"""Operations and the ``@tensor_op`` decorator.

An operation is a class with two static methods that work on plain numpy arrays:

* ``forward(ctx, *arrays, **options) -> ndarray`` computes the output and may save
  whatever backward will need in ``ctx`` (``ctx.append(x)``, or ``ctx.name = x``);
* ``backward(ctx, grad_output) -> tuple``: given dL/d(output), return one gradient per
  array input, dL/d(input) = grad_output contracted with d(output)/d(input), each the
  shape of its input.  Return ``None`` for an input that takes no gradient (integer
  indices).

``@tensor_op`` turns such a class into a function on Tensors: it unwraps the Tensors'
values, calls ``forward``, and wraps the result in a new Tensor that remembers its
parents, the op and the ctx.  That record *is* the computation graph, built as the
code runs (a dynamic graph).

When backpropagation calls ``backward``, ``edugrad/checking.py`` checks what came
back (one gradient per input, each an array of the input's shape, finite where
everything going in was finite) and raises ``BackwardError`` naming the op and the
input if not: once, for every op, instead of in each op.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from edugrad.tensor import Tensor


class Context(list):
    """Scratch space shared by one call of ``forward`` and its ``backward``.

    It is a list (``ctx.append(a)`` then ``a, = ctx``) that also takes attributes
    (``ctx.mask = a > 0`` then ``ctx.mask``): use whichever reads better.
    """


class Operation:
    """Base class of every operation; subclass it and write the two static methods."""

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, **options) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad_output: np.ndarray):
        raise NotImplementedError


def tensor_op(op_class: type[Operation]):
    """Turn an ``Operation`` subclass into a function from Tensors to a Tensor.

    Positional arguments are the op's array inputs: Tensors, or anything numpy can
    turn into an array (wrapped as constant Tensors).  Keyword arguments are options
    passed to ``forward`` unchanged (``power(t, exponent=2)``).
    """
    if not (isinstance(op_class, type) and issubclass(op_class, Operation)):
        raise TypeError(
            f"@tensor_op decorates a class that subclasses Operation; got {op_class!r}."
        )
    input_names = _input_names(op_class)

    @functools.wraps(op_class, updated=())
    def apply(*inputs, **options) -> Tensor:
        parents = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
        ctx = Context()
        value = op_class.forward(ctx, *(p.value for p in parents), **options)
        if not isinstance(value, np.ndarray):
            if isinstance(value, (np.generic, int, float)):
                value = np.asarray(value)
            else:
                raise TypeError(
                    f"{op_class.__name__}.forward returned {type(value).__name__}; "
                    "forward must return a numpy array."
                )
        out = Tensor(value)
        out.parents = parents
        out.op = op_class
        out.ctx = ctx
        return out

    # What the graph walk and the error messages need to know about the op.
    apply.op_class = op_class
    apply.forward = op_class.forward
    apply.backward = op_class.backward
    op_class.input_names = input_names
    return apply


def _input_names(op_class) -> tuple[str, ...]:
    """Names of forward's array parameters (after ctx), for error messages."""
    try:
        params = list(inspect.signature(op_class.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        return ()
    return tuple(
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    )
