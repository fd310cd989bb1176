"""Optimizers: turn the gradients in ``p.grad`` into updates of ``p.value``.

The training loop is always: ``optimizer.zero_grad()``, forward, ``loss.backward()``,
``optimizer.step()``.  A step reads ``.grad``; it never clears it.
"""

from __future__ import annotations

import numpy as np

from edugrad.tensor import Tensor


class Optimizer:
    def __init__(self, params, lr: float):
        name = type(self).__name__
        if isinstance(params, Tensor) or hasattr(params, "parameters"):
            raise TypeError(
                f"{name} takes a list of parameter Tensors, got a {type(params).__name__}. "
                f"Pass model.parameters() (or [tensor] for a single Tensor)."
            )
        self.params: list[Tensor] = []
        seen: set[int] = set()
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} takes Tensors as parameters, got a {type(p).__name__}.")
            if not np.issubdtype(p.value.dtype, np.floating):
                raise TypeError(
                    f"{name} got a parameter {p.name or ''} of dtype {p.value.dtype}; only "
                    "floating-point Tensors can be trained. Create it from floats, e.g. "
                    "Tensor(np.zeros(3)) or Tensor(values.astype(np.float64))."
                )
            if id(p) not in seen:  # a Tensor listed twice is stepped once
                seen.add(id(p))
                self.params.append(p)
        if not self.params:
            raise ValueError(
                f"{name} was given no parameters. If you passed model.parameters(), does the "
                "model assign its Tensors/Modules as attributes after super().__init__()?"
            )
        if not (isinstance(lr, (int, float, np.number)) and lr > 0):
            raise ValueError(f"the learning rate must be a number > 0, got {lr!r}")
        self.lr = lr

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zeros: call it before each backward()."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """theta <- theta - lr * g."""

    def step(self) -> None:
        for p in self.params:
            p.value -= self.lr * p.grad


class Adagrad(Optimizer):
    """theta_i <- theta_i - lr / sqrt(G_i + eps) * g_i, where G_i is the running sum
    of squared gradients of parameter i: frequently updated parameters take ever
    smaller steps, rare ones keep larger steps."""

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-8):
        super().__init__(params, lr)
        self.eps = eps
        self.sum_sq = [np.zeros_like(p.value, dtype=p.grad_dtype) for p in self.params]

    def step(self) -> None:
        for p, G in zip(self.params, self.sum_sq):
            g = p.grad
            G += g * g
            p.value -= self.lr * g / np.sqrt(G + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba): running means of g and g*g with bias correction.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    """

    def __init__(self, params, lr: float = 0.001, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [np.zeros_like(p.value, dtype=p.grad_dtype) for p in self.params]
        self.v = [np.zeros_like(p.value, dtype=p.grad_dtype) for p in self.params]

    def step(self) -> None:
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p.value -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
