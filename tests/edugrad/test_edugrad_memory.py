"""keep_freed_memory: glibc's malloc keeps freed memory for the next training step."""

from __future__ import annotations

import platform

import pytest

from edugrad.memory import keep_freed_memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_glibc_accepts_the_settings_and_a_second_call_is_a_no_op():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True

