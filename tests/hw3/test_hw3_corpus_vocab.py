"""Reading a corpus, counting words, min_count, encoding."""

from __future__ import annotations

import numpy as np
import pytest

from hw3.corpus import read_corpus
from hw3.errors import UsageError
from hw3.vocab import build_vocab, encode


def write(tmp_path, text: str | bytes, name="c.txt"):
    p = tmp_path / name
    if isinstance(text, str):
        p.write_text(text, encoding="utf-8")
    else:
        p.write_bytes(text)
    return p


def test_corpus_tokens_are_lowercased_and_counted_per_line(tmp_path):
    c = read_corpus(write(tmp_path, "The Cat  sat\n\nthe dog\n"))
    assert c.tokens == ["the", "cat", "sat", "the", "dog"], c.tokens
    assert c.line_lengths.tolist() == [3, 0, 2], c.line_lengths


def test_vocab_orders_by_count_then_alphabetically():
    v = build_vocab("b a c a b a d".split())
    assert v.words == ["a", "b", "c", "d"], v.words
    assert v.counts.tolist() == [3, 2, 1, 1], v.counts
    assert v.index == {"a": 0, "b": 1, "c": 2, "d": 3}


def test_min_count_drops_rare_words():
    v = build_vocab("b a c a b a d".split(), min_count=2)
    assert v.words == ["a", "b"], v.words


def test_min_count_leaving_no_words_is_a_usage_error():
    with pytest.raises(UsageError, match="--min-count 5 leaves no words"):
        build_vocab("a b a".split(), min_count=5)


def test_encode_removes_rare_words_and_keeps_lines(tmp_path):
    c = read_corpus(write(tmp_path, "a b x a\nb y a\n"))
    enc = encode(c, build_vocab(c.tokens, min_count=2))
    assert enc.ids.tolist() == [0, 1, 0, 1, 0], enc.ids   # a=0 (3x), b=1 (2x)
    assert enc.line_ids.tolist() == [0, 0, 0, 1, 1], enc.line_ids


def test_missing_corpus_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        read_corpus(tmp_path / "nope.txt")


def test_empty_corpus_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="is empty"):
        read_corpus(write(tmp_path, " \n\n"))


def test_non_utf8_corpus_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path, "good line\nalso good\ncaf\xe9 latin-1\n".encode("latin-1"))
    with pytest.raises(UsageError, match="line 3, byte 4"):
        read_corpus(path)


def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    c = read_corpus(write(tmp_path, b"\xef\xbb\xbfthe cat\nthe dog\n"))
    assert c.tokens == ["the", "cat", "the", "dog"], c.tokens


def test_non_utf8_after_a_byte_order_mark_names_the_right_byte(tmp_path):
    with pytest.raises(UsageError, match="line 2, byte 4"):
        read_corpus(write(tmp_path, b"\xef\xbb\xbfok\ncaf\xe9\n"))


def test_vocab_counts_match_a_plain_count(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in rng.zipf(1.5, size=2000) % 50]
    v = build_vocab(words, min_count=3)
    for w, c in zip(v.words, v.counts):
        assert words.count(w) == c, (w, c)
    assert all(words.count(w) < 3 for w in set(words) - set(v.words))
