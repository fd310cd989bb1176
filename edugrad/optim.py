"""Optimizers: turn the gradients in ``p.grad`` into updates of ``p.value``.

The training loop is always: ``optimizer.zero_grad()``, forward, ``loss.backward()``,
``optimizer.step()``.  A step reads ``.grad``; it never clears it.
"""

from __future__ import annotations

import numpy as np

from edugrad.tensor import Tensor


class Optimizer:
    def __init__(self, params, lr: float):
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError("the optimizer was given no parameters (is parameters() empty?)")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizers take Tensors, got {type(p).__name__}")
        if not lr > 0:
            raise ValueError(f"the learning rate must be > 0, got {lr}")
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
