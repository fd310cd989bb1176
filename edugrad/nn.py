"""Modules: models as Python objects that own their parameters.

Assigning a Tensor or another Module to an attribute of a Module registers it, so
``model.parameters()`` finds every parameter, however deeply modules are nested.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from edugrad import ops
from edugrad.seeding import resolve
from edugrad.tensor import Tensor


class Module:
    """Base class for models.  Subclass it, create parameters in ``__init__``
    (call ``super().__init__()`` first!), and write ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() ran: call "
                "super().__init__() first in your __init__."
            )
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Tensor):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails.
        if name in ("_parameters", "_modules"):
            raise AttributeError(
                f"{type(self).__name__} was not set up as a Module: its __init__ must call "
                "super().__init__() before anything else."
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """(dotted name, Tensor) for every parameter, each Tensor once."""
        seen: set[int] = set()
        seen_modules: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            path, module = stack.pop(0)
            if id(module) in seen_modules:
                continue  # a module shared (or nested in itself) is walked once
            seen_modules.add(id(module))
            for name, p in module._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield path + name, p
            stack[:0] = [(f"{path}{name}.", m) for name, m in module._modules.items()]

    def parameters(self) -> list[Tensor]:
        """Every parameter Tensor of this module and its sub-modules (each once)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to zeros."""
        for p in self.parameters():
            p.zero_grad()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)


def uniform(shape, scale: float, rng: np.random.Generator | None = None, dtype=np.float64):
    """Uniform values in [-scale, scale) of the given shape."""
    return resolve(rng).uniform(-scale, scale, size=shape).astype(dtype)


class Linear(Module):
    """y = x W + b.  x: (n, input_size), W: (input_size, output_size), b: (output_size,).

    W and b start uniform in +-1/sqrt(input_size): a nonzero start matters (all-zero
    weights give every hidden unit the same gradient forever).
    """

    def __init__(self, input_size: int, output_size: int, bias: bool = True, rng=None):
        super().__init__()
        scale = 1 / np.sqrt(input_size)
        self.weight = Tensor(uniform((input_size, output_size), scale, rng), name="W")
        self.has_bias = bias
        if bias:
            self.bias = Tensor(uniform((output_size,), scale, rng), name="b")

    def forward(self, inputs: Tensor) -> Tensor:
        out = ops.matmul(inputs, self.weight)
        if self.has_bias:
            out = ops.add(out, self.bias)  # broadcast: b is added to every row
        return out


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``dim``; ``emb(indices)`` looks rows up.

    ``init`` is the half-width of the uniform initialisation (0 gives zeros);
    ``dtype`` the table's dtype (float32 trains faster; float64 for gradient checks).
    """

    def __init__(self, num_embeddings: int, dim: int, init: float = 0.1, rng=None,
                 dtype=np.float64, name: str = "embedding"):
        super().__init__()
        if init == 0:
            value = np.zeros((num_embeddings, dim), dtype=dtype)
        else:
            value = uniform((num_embeddings, dim), init, rng, dtype)
        self.weight = Tensor(value, name=name)

    def forward(self, indices) -> Tensor:
        return ops.take_rows(self.weight, indices)
