"""Backpropagation: what ``loss.backward()`` actually does.

1. Order the graph.  Starting from the loss, find every Tensor it depends on and
   put them in topological order (each Tensor after all the Tensors it was
   computed from).  This is an explicit stack, not recursion, so a chain of 10,000
   operations works; Python would stop a recursive walk at ~1,000.
2. Walk the order backwards.  The loss gets gradient 1.  For each Tensor, all
   the Tensors that use it come later in the order, so by the time we reach it its
   gradient is complete: add it to ``.grad``, then ask its op's ``backward`` for
   the gradients of its inputs and add those to the inputs' running totals.
   A Tensor used twice (``x * x``, ``b = a + a``) simply receives two contributions.
"""

from __future__ import annotations

import numpy as np

from edugrad.operation import run_backward
from edugrad.tensor import Tensor


def topological_order(root: Tensor) -> list[Tensor]:
    """Every Tensor ``root`` depends on (root included), inputs before outputs."""
    order: list[Tensor] = []
    visited: set[int] = {id(root)}
    # Each stack entry is (tensor, index of the next parent to visit).
    stack: list[tuple[Tensor, int]] = [(root, 0)]
    while stack:
        node, i = stack.pop()
        if i < len(node.parents):
            stack.append((node, i + 1))
            parent = node.parents[i]
            if id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, 0))
        else:
            order.append(node)  # all of node's parents are already in the order
    return order


def backpropagate(root: Tensor, grad_output=None) -> None:
    """Add d(root)/d(t) (times ``grad_output``) to ``t.grad`` for every ``t`` in the graph."""
    if grad_output is None:
        if root.value.size != 1:
            raise ValueError(
                f"backward() without an argument needs a Tensor holding a single number "
                f"(a loss), but this one has shape {root.value.shape}. Reduce it first "
                "(e.g. reduce_sum or reduce_mean), or pass the upstream gradient: "
                "t.backward(np.ones(t.value.shape))."
            )
        grad_output = np.ones(root.value.shape, dtype=root.grad_dtype)
    else:
        grad_output = np.array(grad_output, dtype=root.grad_dtype)  # a copy: root.grad keeps it
        if grad_output.shape != root.value.shape:
            raise ValueError(
                f"backward(grad_output) got shape {grad_output.shape}, but the Tensor has "
                f"shape {root.value.shape}; they must match."
            )

    # This pass's gradients, kept apart from .grad so that calling backward() twice
    # on the same graph adds the same amount twice (and never re-sends old totals).
    pending: dict[int, np.ndarray] = {id(root): grad_output}
    for node in reversed(topological_order(root)):
        g = pending.pop(id(node), None)
        if g is None:
            continue  # nothing flows here (e.g. only through None gradients)
        node.accumulate_grad(g)
        if node.op is None:
            continue  # a leaf: nothing further back
        for parent, pg in zip(node.parents, run_backward(node, g)):
            if pg is None:
                continue
            key = id(parent)
            pending[key] = pg if key not in pending else pending[key] + pg
