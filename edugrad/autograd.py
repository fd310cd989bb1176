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
3. If an inf or NaN reached a leaf although the pass started finite, walk again
   with every op's gradients checked for finiteness, to name the op that made it.
"""

from __future__ import annotations

import numpy as np

from edugrad.checking import all_finite, run_backward
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

    order = topological_order(root)
    leaves_finite = True
    for node, g in _gradient_flow(order, root, grad_output, check_finite=False):
        node.accumulate_grad(g)
        if node.op is None and leaves_finite:
            leaves_finite = all_finite(g)
    if not leaves_finite and all_finite(grad_output):
        # An inf or NaN reached a leaf although the pass started finite: some op's
        # backward made it.  Walk the graph again, checking every op's gradients this
        # time, so that the BackwardError names the op (see _gradient_flow).
        for _ in _gradient_flow(order, root, grad_output, check_finite=True):
            pass


def _gradient_flow(order, root, grad_output, check_finite):
    """Yield (tensor, its gradient from this pass) for each Tensor of ``order``, last first.

    Gradients are kept here, apart from ``.grad``, so that calling backward() twice on
    the same graph adds the same amount twice (and never re-sends old totals).

    Every backward's answer is checked for form (count, type, shape).  Checking that it
    is finite reads the whole gradient again, almost as costly as computing it (about
    10 % of a training step with embeddings, in a profile), so the first walk skips that check: inf
    and NaN survive every later sum and product, so one that an op makes shows up in the
    leaves' gradients, and only then does ``backpropagate`` walk again with
    ``check_finite``.
    """
    pending: dict[int, np.ndarray] = {id(root): grad_output}
    for node in reversed(order):
        g = pending.pop(id(node), None)
        if g is None:
            continue  # nothing flows here (e.g. only through None gradients)
        yield node, g
        if node.op is None:
            continue  # a leaf: nothing further back
        for parent, pg in zip(node.parents, run_backward(node, g, check_finite)):
            if pg is None:
                continue
            key = id(parent)
            pending[key] = pg if key not in pending else pending[key] + pg
