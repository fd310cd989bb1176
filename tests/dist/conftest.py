"""Fixtures the distribution tests share: the condor submit folder, and a throwaway
copy of the repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hw3.sweep import make_rows, write_table
from instructor import shipping
from instructor.fanout import write_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def submit_dir(tmp_path, monkeypatch):
    """tmp/condor (condor/ with sweep.txt and grade_list.txt for three submissions) as
    the directory condor_submit runs in; the current directory is tmp."""
    shutil.copytree(ROOT / "condor", tmp_path / "condor",
                    ignore=shutil.ignore_patterns("logs", "sweep.txt", "grade_list.*"))
    write_table(make_rows([0.025, 0.1], [50, 100], [5], [2, 5], [1, 2, 3]),
                tmp_path / "condor" / "sweep.txt")
    subs = tmp_path / "submissions"
    subs.mkdir()
    (subs / "alice.py").write_text("# ops\n")
    (subs / "bob").mkdir()
    (subs / "bob" / "ops.py").write_text("# ops\n")
    (subs / "carol.tar.gz").write_bytes(b"")
    write_list(str(subs), str(tmp_path / "condor" / "grade_list.txt"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


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
