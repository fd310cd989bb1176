"""Fixtures for the distribution tests: a throwaway copy of the repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from instructor import shipping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    """The repository's files (what git tracks or would) in a fresh git working tree,
    to change and build from without touching this one."""
    copy = tmp_path / "repo"
    for rel in shipping.source_files(ROOT):
        target = copy / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    subprocess.run(["git", "init", "-q", str(copy)], check=True)
    return copy
