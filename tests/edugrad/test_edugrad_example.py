"""The slides' demo (an MLP learning sum(x)/2 on bit vectors) trains to a low test loss."""

from __future__ import annotations

import pytest

from edugrad.examples import half_sum


def test_half_sum_mlp_reaches_a_low_test_loss():
    # Predicting the mean would give ~0.625 (the variance of sum(x)/2 for 10 fair bits).
    loss = half_sum.train(epochs=8, seed=0, verbose=False)
    assert loss < 0.01, f"test MSE {loss:.4f} after 8 epochs"


def test_half_sum_is_reproducible_under_a_seed():
    a = half_sum.train(epochs=1, seed=3, verbose=False)
    b = half_sum.train(epochs=1, seed=3, verbose=False)
    assert a == b, (a, b)


def test_half_sum_command_line_prints_epochs_and_test_loss(capsys):
    half_sum.main(["--epochs", "1", "--seed", "1"])
    out = capsys.readouterr().out
    assert "epoch   0" in out and "test loss" in out, out


@pytest.mark.parametrize("flags", [["--batch-size", "0"], ["--epochs", "-1"], ["--lr", "0"]])
def test_half_sum_refuses_bad_settings_with_a_usage_message(flags, capsys):
    with pytest.raises(SystemExit) as info:
        half_sum.main(flags)
    assert info.value.code == 2
    assert "must be a positive" in capsys.readouterr().err
