"""The Tensor: a numpy array plus the bookkeeping that backpropagation needs.

A Tensor holds

* ``value``: the numpy array computed in the forward pass;
* ``grad``: dL/d(value), the same shape as ``value``.  It reads as zeros until a
  ``backward()`` call reaches this Tensor, and it **accumulates**: every
  ``backward()`` adds to it until you call ``zero_grad()`` (or the optimizer's /
  module's ``zero_grad()``).  Forgetting to zero it is the classic bug: the second
  step then uses the sum of two steps' gradients;
* the graph: ``parents`` (the input Tensors of the operation that made this one),
  ``op`` (that operation's class) and ``ctx`` (what its forward saved for backward).

Tensors you create yourself are leaves (no op, no parents).  Tensors returned by
an operation remember how they were made; ``loss.backward()`` walks that record
backwards (see ``edugrad/autograd.py``).
"""

from __future__ import annotations

import numpy as np


class Tensor:
    """A node of the computation graph.

    >>> t = Tensor([[1.0, 2.0], [3.0, 4.0]], name="t")
    >>> (t + t).value
    array([[2., 4.],
           [6., 8.]])
    """

    # Make numpy defer to Tensor's operators in `array + tensor`.
    __array_priority__ = 1000

    def __init__(self, value, name: str | None = None):
        if isinstance(value, Tensor):
            raise TypeError(
                "Tensor(...) was given a Tensor; pass its .value (a numpy array) instead, "
                "or use the Tensor itself."
            )
        self.value = np.asarray(value)
        self.name = name
        self.parents: tuple[Tensor, ...] = ()
        self.op = None  # the Operation class that produced this Tensor (None for leaves)
        self.ctx = None  # what op.forward saved for op.backward
        self._grad = None  # None means "all zeros" (allocated lazily)

    # ----------------------------------------------------------------- gradient
    @property
    def grad(self) -> np.ndarray:
        """dL/d(value), same shape as ``value``; zeros until backprop reaches it."""
        if self._grad is None:
            self._grad = np.zeros(self.value.shape, dtype=self.grad_dtype)
        return self._grad

    @grad.setter
    def grad(self, new_grad) -> None:
        self._grad = None if new_grad is None else np.asarray(new_grad)

    @property
    def grad_dtype(self) -> np.dtype:
        """Floating dtype of the gradient (integer Tensors get float64 gradients)."""
        if np.issubdtype(self.value.dtype, np.floating):
            return self.value.dtype
        return np.dtype(np.float64)

    def accumulate_grad(self, g: np.ndarray) -> None:
        """Add ``g`` to ``self.grad`` (accumulate, never overwrite).

        The sum is a new array rather than an in-place ``+=``: the same gradient array
        may be shared with other Tensors (``add`` hands ``grad_output`` to both
        inputs), and writing into it would corrupt theirs.
        """
        g = np.asarray(g, dtype=self.grad_dtype)  # no copy when the dtype already fits
        if self._grad is None:
            # Keep .grad an ordinary writable array (not, e.g., a np.broadcast_to view).
            self._grad = g if g.flags.writeable else g.copy()
        else:
            self._grad = self._grad + g

    def zero_grad(self) -> None:
        """Reset ``grad`` to zeros (lazily: nothing is allocated until it is read)."""
        self._grad = None

    def backward(self, grad_output=None) -> None:
        """Backpropagate from this Tensor to every Tensor it was computed from.

        With no argument this Tensor must hold a single number (a loss); its
        gradient is 1.  For a non-scalar Tensor pass ``grad_output`` (the upstream
        gradient, same shape as ``value``).  Gradients are *added* to each Tensor's
        ``.grad``.
        """
        from edugrad.autograd import backpropagate

        backpropagate(self, grad_output)

    # --------------------------------------------------------------- conveniences
    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    @property
    def is_leaf(self) -> bool:
        return self.op is None

    def item(self) -> float:
        """The value of a one-element Tensor as a Python number."""
        return self.value.item()

    def __len__(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:
        body = np.array2string(self.value, precision=4, threshold=8, edgeitems=2, separator=", ")
        body = body.replace("\n", "\n       ")
        extras = []
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        if self.op is not None:
            extras.append(f"op={self.op.__name__}")
        if self.value.ndim > 1 or self.value.size > 8:
            extras.append(f"shape={self.value.shape}")
        extras.append(f"dtype={self.value.dtype}")
        return f"Tensor({body}, {', '.join(extras)})"

    # ------------------------------------------------------------------ operators
    # Each operator is a call to an op in edugrad/ops.py, so it is recorded in the
    # graph like any other operation.  (Imported inside the methods because ops.py
    # itself imports this module.)
    def __add__(self, other):
        from edugrad import ops

        return ops.add(self, other)

    def __radd__(self, other):
        from edugrad import ops

        return ops.add(other, self)

    def __sub__(self, other):
        from edugrad import ops

        return ops.minus(self, other)

    def __rsub__(self, other):
        from edugrad import ops

        return ops.minus(other, self)

    def __neg__(self):
        from edugrad import ops

        return ops.scale(self, factor=-1.0)

    def __matmul__(self, other):
        from edugrad import ops

        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        from edugrad import ops

        return ops.matmul(other, self)

    def __pow__(self, exponent):
        from edugrad import ops

        if isinstance(exponent, Tensor):
            raise TypeError(
                "tensor ** tensor is not supported: the exponent of edugrad's power op "
                "must be a plain number, e.g. t ** 2."
            )
        return ops.power(self, exponent=exponent)

    def __mul__(self, other):
        from edugrad import ops

        if isinstance(other, Tensor) or np.ndim(other) > 0:
            raise TypeError(
                "Tensor * Tensor (an elementwise product) is not built into edugrad: "
                "use an elementwise-product operation (an Operation made with @tensor_op, "
                "one you write yourself). (Tensor * number works: it scales the Tensor.)"
            )
        return ops.scale(self, factor=float(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        from edugrad import ops

        if isinstance(other, Tensor) or np.ndim(other) > 0:
            raise TypeError("Tensor / Tensor is not supported; Tensor / number is.")
        return ops.scale(self, factor=1.0 / float(other))
