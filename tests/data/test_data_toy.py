"""The toy-corpus generator (instructor/grammar.py) and the committed data/toy/ files."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instructor import grammar

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "data" / "toy"
README = ROOT / "data" / "README.md"
DOCUMENTED_COMMAND = "python -m instructor.grammar --out data/toy --seed 0 --sentences 30000"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_classes(path: Path) -> dict[str, str]:
    return dict(line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())


@pytest.fixture(scope="module")
def committed_sentences() -> list[list[str]]:
    return [line.split() for line in (TOY / "corpus.txt").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def committed_classes() -> dict[str, str]:
    return read_classes(TOY / "classes.tsv")


def test_same_seed_gives_identical_bytes(tmp_path):
    grammar.main(["--out", str(tmp_path / "a"), "--seed", "7", "--sentences", "500"])
    grammar.main(["--out", str(tmp_path / "b"), "--seed", "7", "--sentences", "500"])
    for name in ("corpus.txt", "classes.tsv"):
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert a == b, f"{name} differs between two runs with seed 7"


def test_different_seeds_give_different_corpora():
    a, b = grammar.generate(200, seed=1), grammar.generate(200, seed=2)
    same = sum(x == y for x, y in zip(a, b))
    assert same < 100, f"seeds 1 and 2 share {same} of 200 sentences"


def test_committed_corpus_is_what_the_documented_command_makes(tmp_path):
    assert DOCUMENTED_COMMAND in README.read_text(encoding="utf-8"), (
        "data/README.md no longer shows the command that made data/toy/")
    args = DOCUMENTED_COMMAND.split()[3:]  # drop "python -m instructor.grammar"
    args[args.index("--out") + 1] = str(tmp_path)
    assert grammar.main(args) == 0
    for name in ("corpus.txt", "classes.tsv"):
        assert sha256(tmp_path / name) == sha256(TOY / name), (
            f"data/toy/{name} is not what `{DOCUMENTED_COMMAND}` makes: regenerate it and "
            "update the checksums in data/README.md")


def test_readme_lists_the_committed_checksums():
    text = README.read_text(encoding="utf-8")
    for name in ("corpus.txt", "classes.tsv"):
        line = f"{sha256(TOY / name)}  toy/{name}"
        assert line in text, f"data/README.md lacks the current checksum line {line!r}"


def test_every_corpus_word_has_a_class(committed_sentences, committed_classes):
    vocab = {w for s in committed_sentences for w in s}
    missing = sorted(vocab - committed_classes.keys())
    assert not missing, f"corpus words without a class in classes.tsv: {missing[:20]}"


def test_every_classed_word_occurs_in_the_corpus(committed_sentences, committed_classes):
    vocab = {w for s in committed_sentences for w in s}
    unused = sorted(committed_classes.keys() - vocab)
    assert not unused, f"classes.tsv words that never occur in corpus.txt: {unused}"


def test_classes_file_matches_the_grammar(committed_classes):
    assert committed_classes == grammar.word_classes()


def test_corpus_lines_are_lowercase_single_spaced_tokens():
    bad = [
        (n, line)
        for n, line in enumerate((TOY / "corpus.txt").read_text(encoding="utf-8").split("\n"), 1)
        if line and not re.fullmatch(r"[a-z]+( [a-z]+)*", line)
    ]
    assert not bad, f"malformed lines (line number, text): {bad[:5]}"
    assert (TOY / "corpus.txt").read_bytes().endswith(b"\n")


def test_every_content_class_can_fill_ten_neighbours(committed_classes):
    sizes = Counter(c for c in committed_classes.values() if c != grammar.FUNCTION_CLASS)
    small = {c: n for c, n in sizes.items() if n < 11}
    assert not small, f"classes too small for 10 same-class neighbours: {small}"


def test_frequencies_fall_with_rank_inside_each_class(committed_sentences):
    counts = Counter(w for s in committed_sentences for w in s)
    for name, words in grammar.CLASSES.items():
        freq = np.array([counts[w] for w in words], dtype=float)
        head, tail = freq[: len(freq) // 3].mean(), freq[-(len(freq) // 3):].mean()
        assert head > 2 * tail, f"class {name}: first third averages {head}, last {tail}"


def test_each_word_context_profile_is_closest_to_its_own_class(committed_sentences,
                                                                  committed_classes):
    """A cheap stand-in for 'words of a class share contexts, other classes do not':
    the counts of words within 2 positions of a word are closer (cosine) to its own
    class's average profile than to any other class's."""
    words = list(committed_classes)
    index = {w: i for i, w in enumerate(words)}
    cooc = np.zeros((len(words), len(words)))
    for sentence in committed_sentences[:10_000]:
        ids = np.array([index[w] for w in sentence])
        for shift in (1, 2):
            np.add.at(cooc, (ids[:-shift], ids[shift:]), 1)
            np.add.at(cooc, (ids[shift:], ids[:-shift]), 1)
    content = [i for i, w in enumerate(words) if committed_classes[w] != grammar.FUNCTION_CLASS]
    labels = np.array([committed_classes[words[i]] for i in content])
    profiles = cooc[content] / np.linalg.norm(cooc[content], axis=1, keepdims=True)
    names = sorted(set(labels))
    centroids = np.array([profiles[labels == c].mean(axis=0) for c in names])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    nearest = np.array(names)[np.argmax(profiles @ centroids.T, axis=1)]
    wrong = [(words[content[i]], str(labels[i]), str(nearest[i]))
             for i in np.flatnonzero(nearest != labels)]
    assert not wrong, f"(word, class, closest class profile): {wrong}"


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30))
def test_generated_sentences_use_only_classed_words(seed, n):
    classes = grammar.word_classes()
    sentences = grammar.generate(n, seed=seed)
    assert len(sentences) == n
    for s in sentences:
        assert s and all(w in classes for w in s), s


def test_no_temporary_files_are_left_behind(tmp_path):
    grammar.main(["--out", str(tmp_path), "--sentences", "50"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classes.tsv", "corpus.txt"]


def test_zero_sentences_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        grammar.main(["--out", str(tmp_path), "--sentences", "0"])
    assert exit_info.value.code == 2
    assert "--sentences must be a positive" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_out_pointing_at_a_file_is_a_usage_error(tmp_path, capsys):
    target = tmp_path / "corpus.txt"
    target.write_text("keep me\n")
    with pytest.raises(SystemExit) as exit_info:
        grammar.main(["--out", str(target)])
    assert exit_info.value.code == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert target.read_text() == "keep me\n"


@pytest.mark.skipif(not (ROOT / "instructor" / "solution" / "ops.py").is_file(),
                    reason="the reference ops (instructor/solution/ops.py) are not in this copy")
def test_reference_word2vec_learns_the_toy_classes():
    """The corpus's purpose: word2vec with correct ops sorts its words into their classes
    (purity >= 0.9 even with 2 of the default 5 epochs; 0.998 measured with 5)."""
    from hw3.evaluate import neighbour_purity
    from hw3.ops_loader import load_ops
    from hw3.train import TrainConfig, train

    result = train(TrainConfig(corpus=str(TOY / "corpus.txt"), epochs=2, seed=0),
                   load_ops("solution"))
    purity = neighbour_purity(result.embeddings, result.words, read_classes(TOY / "classes.tsv"))
    assert purity >= 0.9, f"neighbour purity {purity:.3f} after 2 epochs"
