"""edugrad: a minimal PyTorch-like automatic differentiation library on numpy.

Small enough to read in one sitting.  Start with ``tensor.py`` (what a Tensor
holds), then ``operation.py`` (forward/backward and ``@tensor_op``), ``autograd.py``
(what ``loss.backward()`` does), ``ops.py`` (the provided operations), and
``nn.py`` / ``optim.py`` / ``data.py`` for training.
"""

from edugrad import data, nn, ops, optim
from edugrad.checking import BackwardError
from edugrad.gradcheck import gradcheck
from edugrad.operation import Context, Operation, tensor_op
from edugrad.seeding import set_seed
from edugrad.tensor import Tensor

__all__ = [
    "BackwardError", "Context", "Operation", "Tensor", "data", "gradcheck", "nn", "ops",
    "optim", "set_seed", "tensor_op",
]
