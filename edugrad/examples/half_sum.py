"""The slides' demo: an MLP learns f(x) = sum(x) / 2 for bit vectors x.

    python -m edugrad.examples.half_sum --epochs 30 --seed 0
"""

from __future__ import annotations

import argparse

import numpy as np

import edugrad
from edugrad import nn, ops


class MLP(nn.Module):
    def __init__(self, input_size: int, output_size: int, rng: np.random.Generator):
        super().__init__()
        self.fc1 = nn.Linear(input_size, 32, rng=rng)
        self.fc2 = nn.Linear(32, 32, rng=rng)
        self.output = nn.Linear(32, output_size, rng=rng)

    def forward(self, inputs):
        hidden = ops.relu(self.fc1(inputs))
        hidden = ops.relu(self.fc2(hidden))
        return self.output(hidden)


def make_data(n: int, bits: int, rng: np.random.Generator):
    x = rng.integers(0, 2, size=(n, bits)).astype(np.float64)
    return x, x.sum(axis=1, keepdims=True) / 2


def train(epochs: int = 30, batch_size: int = 32, lr: float = 0.01, bits: int = 10,
          seed: int = 0, verbose: bool = True) -> float:
    """Train and return the final test mean squared error."""
    rng = np.random.default_rng(seed)
    train_x, train_y = make_data(1000, bits, rng)
    test_x, test_y = make_data(200, bits, rng)
    model = MLP(bits, 1, rng)
    optimizer = edugrad.optim.Adam(model.parameters(), lr=lr)
    batches = edugrad.data.BatchIterator(batch_size=batch_size, rng=rng)
    for epoch in range(epochs):
        total = 0.0
        for batch in batches(train_x, train_y):
            optimizer.zero_grad()
            loss = ops.mse_loss(model(batch.inputs), batch.targets)
            loss.backward()
            optimizer.step()
            total += loss.item()
        if verbose:
            print(f"epoch {epoch:3d}  train loss {total / batches.num_batches:.5f}")
    test_loss = ops.mse_loss(model(edugrad.Tensor(test_x)), edugrad.Tensor(test_y)).item()
    if verbose:
        print(f"test loss {test_loss:.5f}")
    return test_loss


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--bits", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name in ("epochs", "batch_size", "bits"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive whole number "
                         f"(got {getattr(args, name)})")
    if not args.lr > 0:
        parser.error(f"--lr must be a positive number (got {args.lr})")
    train(args.epochs, args.batch_size, args.lr, args.bits, args.seed)


if __name__ == "__main__":
    main()
