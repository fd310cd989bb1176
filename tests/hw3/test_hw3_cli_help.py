"""A mistyped flag gets one paragraph naming the closest real one (hw3/cli_help.py), in
every command a student types."""

from __future__ import annotations

import pytest

from grader import cli as grader_cli
from hw3 import handin, sweep, word2vec
from hw3.cli_help import Parser


def error_of(main, argv, capsys) -> str:
    """What ``main(argv)`` printed for a command-line mistake (exit status 2)."""
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "usage:" not in err, err  # one paragraph
    return err


def test_a_misspelt_training_flag_gets_the_closest_one(capsys):
    err = error_of(word2vec.main, ["--epochz", "3"], capsys)
    assert "unknown option --epochz (did you mean --epochs?)" in err, err
    assert "--help" in err


def test_a_shortened_flag_is_not_taken_silently_for_a_longer_one(capsys):
    err = error_of(word2vec.main, ["--epoch", "3"], capsys)
    assert "unknown option --epoch (did you mean --epochs?)" in err, err


def test_an_underscore_instead_of_a_dash_is_caught(capsys):
    err = error_of(word2vec.main, ["--batch_size", "64"], capsys)
    assert "did you mean --batch-size?" in err, err


def test_flag_with_its_value_after_an_equals_sign_is_named_without_it(capsys):
    err = error_of(word2vec.main, ["--dimm=4"], capsys)
    assert "unknown option --dimm (did you mean --dim?)" in err, err


def test_the_value_of_an_unknown_flag_is_not_reported_as_a_second_mistake(capsys):
    err = error_of(word2vec.main, ["--learning-rate", "0.1"], capsys)
    assert "0.1" not in err and "unknown option --learning-rate" in err, err


def test_a_flag_like_no_other_gets_no_suggestion(capsys):
    err = error_of(word2vec.main, ["--zzzz"], capsys)
    assert "unknown option --zzzz." in err and "did you mean" not in err, err


def test_a_bad_value_keeps_argparse_words_in_one_paragraph(capsys):
    err = error_of(word2vec.main, ["--epochs", "three"], capsys)
    assert "argument --epochs: invalid int value: 'three'" in err, err


def test_grader_suggests_the_subcommands_own_flag(capsys):
    err = error_of(grader_cli.main, ["test", "--hiden"], capsys)
    assert "did you mean --hidden?" in err, err


def test_grader_suggests_a_subcommand(capsys):
    err = error_of(grader_cli.main, ["tset"], capsys)
    assert "did you mean 'test'?" in err, err


def test_a_flag_of_another_subcommand_is_not_suggested_as_a_fix(capsys):
    err = error_of(grader_cli.main, ["test", "--out", "x"], capsys)
    assert "unknown option --out." in err and "did you mean" not in err, err


def test_handin_tells_outputs_from_out(capsys):
    err = error_of(handin.main, ["--output", "x"], capsys)
    assert "did you mean --outputs?" in err, err


def test_sweep_suggests_its_subcommand(capsys):
    err = error_of(sweep.main, ["summery"], capsys)
    assert "did you mean 'summary'?" in err, err


def test_every_student_command_uses_the_helper():
    for build in (word2vec.build_parser, handin.build_parser, sweep.build_parser,
                  grader_cli._parser):
        assert isinstance(build(), Parser), build
