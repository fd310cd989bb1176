"""keep_freed_memory: glibc's malloc keeps freed memory for the next training step."""

from __future__ import annotations

import platform

import numpy as np
import pytest

from edugrad.memory import keep_freed_memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_glibc_accepts_the_settings_and_a_second_call_is_a_no_op():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True


def test_numbers_are_unchanged_after_it():
    a = np.random.default_rng(0).normal(size=(300, 400))
    before = (a @ a.T).sum()
    keep_freed_memory()
    assert (a @ a.T).sum() == before
