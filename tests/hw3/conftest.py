"""Fixtures for the hw3 tests: a tiny class-structured corpus and the reference ops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hw3.ops_loader import load_ops

CLASSES = {
    "animal": ["cat", "dog", "horse", "cow", "sheep"],
    "food": ["apple", "bread", "rice", "cheese", "soup"],
    "place": ["kitchen", "garden", "city", "farm", "market"],
}
FRAMES = [
    "the {animal} sleeps in the {place}",
    "a {animal} eats the {food}",
    "we bought {food} at the {place}",
    "the hungry {animal} walked to the {place}",
]


def write_tiny_corpus(folder: Path, lines: int = 600, seed: int = 0,
                      with_classes: bool = True) -> Path:
    """A corpus where words of a class share their contexts; classes.tsv beside it."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(lines):
        frame = FRAMES[rng.integers(len(FRAMES))]
        out.append(frame.format(**{c: ws[rng.integers(len(ws))] for c, ws in CLASSES.items()}))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    if with_classes:
        (folder / "classes.tsv").write_text(
            "".join(f"{w}\t{c}\n" for c, ws in CLASSES.items() for w in ws)
            + "".join(f"{w}\tfunction\n" for w in ["the", "a", "in", "we", "at", "to"]),
            encoding="utf-8")
    return path


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    return write_tiny_corpus(tmp_path / "tiny")


@pytest.fixture(scope="session")
def solution_ops():
    return load_ops("solution")
