"""`make data` (hw3/prepare_data.py) and what it leaves in data/real/.

Tests that read data/real/ skip when it is absent (run `make data` first; CI does)."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

import pytest

from hw3 import prepare_data

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "data" / "real"
README = ROOT / "data" / "README.md"

needs_real = pytest.mark.skipif(
    not (REAL / prepare_data.MANIFEST).is_file(),
    reason="data/real/ is absent: run `make data` first (CI runs it before make check)",
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def gensim_version() -> str:
    gensim = pytest.importorskip("gensim", reason="make data needs gensim (pip install -e '.[dev]')")
    return gensim.__version__


@needs_real
def test_manifest_lists_every_output_in_sha256sum_format():
    lines = (REAL / prepare_data.MANIFEST).read_text(encoding="utf-8").splitlines()
    bad = [line for line in lines if not re.fullmatch(r"[0-9a-f]{64}  [\w./-]+", line)]
    assert not bad, f"lines not in `sha256sum` format: {bad}"
    names = sorted(line.split("  ", 1)[1] for line in lines)
    assert names == sorted(t.relpath for t in prepare_data.TARGETS)


@needs_real
def test_every_output_matches_its_manifest_checksum():
    manifest = prepare_data.read_manifest(REAL / prepare_data.MANIFEST)
    wrong = {name: sha256(REAL / name) for name, digest in manifest.items()
             if sha256(REAL / name) != digest}
    assert not wrong, f"files that no longer match MANIFEST.sha256: {wrong}"


@needs_real
def test_outputs_match_the_reference_checksums_in_the_readme():
    if gensim_version() != "4.4.0":
        pytest.skip(f"reference checksums were made with gensim 4.4.0, this is {gensim_version()}")
    text = README.read_text(encoding="utf-8")
    for name, digest in prepare_data.REFERENCE_SHA256.items():
        assert sha256(REAL / name) == digest, f"{name} differs from the reference"
        assert f"{digest}  {name}" in text, f"data/README.md lacks the checksum of {name}"


@needs_real
def test_enwiki_corpus_is_lowercase_unstemmed_text_of_about_450k_tokens():
    text = (REAL / "enwiki" / "corpus.txt").read_text(encoding="utf-8")
    tokens = text.split()
    assert 400_000 < len(tokens) < 500_000, f"{len(tokens)} tokens"
    assert text == text.lower(), "enwiki corpus has uppercase letters"
    vocab = set(tokens)
    # unstemmed: full word forms are there, Porter stems are not
    assert {"philosophy", "dictionary", "government"} <= vocab
    assert "philosophi" not in vocab


@needs_real
def test_head500_corpus_has_unix_line_ends():
    data = (REAL / "head500" / "corpus.txt").read_bytes()
    assert b"\r" not in data
    assert data.count(b"\n") == 250


@needs_real
def test_similarity_files_are_byte_copies_of_gensims():
    from gensim.test.utils import datapath

    for target in prepare_data.TARGETS:
        if not target.is_corpus:
            assert sha256(REAL / target.relpath) == sha256(Path(datapath(target.source))), (
                f"{target.relpath} is not a copy of gensim's {target.source}")


@needs_real
def test_rerun_verifies_and_keeps_present_files(tmp_path):
    gensim_version()
    copy = tmp_path / "real"
    shutil.copytree(REAL, copy)
    before = {p: p.stat().st_mtime_ns for p in copy.rglob("*") if p.is_file()}
    log: list[str] = []
    prepare_data.prepare(copy, processes=1, log=log.append)
    assert all(line.lstrip().startswith("ok") for line in log), log
    changed = [p.name for p, t in before.items() if p.stat().st_mtime_ns != t and
               p.name != prepare_data.MANIFEST]
    assert not changed, f"files rewritten although verified: {changed}"


@needs_real
def test_rerun_rebuilds_only_a_damaged_file(tmp_path):
    gensim_version()
    copy = tmp_path / "real"
    shutil.copytree(REAL, copy)
    damaged = copy / "similarity" / "wordsim353.tsv"
    damaged.write_text("tiger\tcat\t0\n")
    log: list[str] = []
    prepare_data.prepare(copy, processes=1, log=log.append)
    rebuilt = [line.split()[1] for line in log if line.lstrip().startswith("wrote")]
    assert rebuilt == ["similarity/wordsim353.tsv"], log
    assert sha256(damaged) == sha256(REAL / "similarity" / "wordsim353.tsv")


def test_missing_gensim_exits_2_with_the_install_command(tmp_path, monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "gensim" or m.startswith("gensim.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "gensim", None)  # makes `import gensim...` fail
    assert prepare_data.main(["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "gensim" in err and "pip install -e '.[dev]'" in err and "make install" in err, err


def test_failed_build_leaves_no_partial_file(tmp_path, monkeypatch):
    gensim_version()

    def half_then_crash(source, dest, processes):
        dest.write_text("half of a file\n")
        raise RuntimeError("simulated crash in the middle of writing")

    monkeypatch.setattr(prepare_data, "TARGETS", (
        prepare_data.Target("enwiki/corpus.txt", prepare_data.WORDSIM_SOURCE, half_then_crash,
                            True),
    ))
    with pytest.raises(RuntimeError, match="simulated crash"):
        prepare_data.prepare(tmp_path, processes=1, log=lambda _: None)
    leftovers = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()]
    assert leftovers == [], f"files left after a failed build: {leftovers}"


def test_zero_processes_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        prepare_data.main(["--out", str(tmp_path), "--processes", "0"])
    assert exit_info.value.code == 2
    assert "--processes must be at least 1" in capsys.readouterr().err
