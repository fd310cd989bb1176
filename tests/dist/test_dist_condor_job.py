"""What condor makes of a job's expanded commands (hw3/condor_job.py), and queue slices.

HTCondor's Python bindings cannot check these (they stop at the expanded strings and
list every item of a sliced queue), so the expected values are the condor_submit
manual's. Needs no htcondor.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hw3 import condor_submit_file as csf
from hw3.condor_job import parse_arguments, parse_environment


def test_a_queue_slice_picks_items_like_a_python_slice(tmp_path, monkeypatch):
    # htcondor2's itemdata lists every item; condor_submit queues the slice's.
    monkeypatch.chdir(tmp_path)
    jobs = csf.parse("queue s in [1::2] (a b c d e)").jobs()
    assert [j.item["s"] for j in jobs] == ["b", "d"]
    assert [j.proc for j in jobs] == [0, 1]


@pytest.mark.parametrize("value, argv", [
    # the condor_submit manual's examples (new syntax, then old), then edge cases
    ('"3 simple arguments"', ["3", "simple", "arguments"]),
    ("\"one 'two with spaces' 3\"", ["one", "two with spaces", "3"]),
    ('"one ""two"" \'spacey \'\'quoted\'\' argument\'"',
     ["one", '"two"', "spacey 'quoted' argument"]),
    ("one \\\"two\\\" 'three'", ["one", '"two"', "'three'"]),
    ('"  tabs\tand  spaces "', ["tabs", "and", "spaces"]),
    ("\"'' empty\"", ["", "empty"]),
])
def test_arguments_split_as_the_condor_manual_says(value, argv):
    assert parse_arguments(value) == argv


@pytest.mark.parametrize("value, env", [
    ('"one=1 two=""2"" three=\'spacey \'\'quoted\'\' value\'"',
     {"one": "1", "two": '"2"', "three": "spacey 'quoted' value"}),
    ("one=1;two=2;three=\"quotes have no 'special' meaning\"",
     {"one": "1", "two": "2", "three": "\"quotes have no 'special' meaning\""}),
    ('"A=x=y EMPTY="', {"A": "x=y", "EMPTY": ""}),
])
def test_environment_split_as_the_condor_manual_says(value, env):
    assert parse_environment(value) == env


def test_paths_follow_the_manual(tmp_path):
    """executable and initialdir from the submit folder; input/output/error/log from
    initialdir; absolute paths as they are; no ~ expansion (there is no shell)."""
    job = csf.parse("executable = bin/run.sh\ninitialdir = work\noutput = ../logs/o.txt\n"
                    "error = /abs/e.txt\nlog = ~/l.log\nqueue\n", submit_dir=tmp_path).jobs()[0]
    root = tmp_path.resolve()
    assert job.executable == root / "bin" / "run.sh"
    assert job.initialdir == root / "work"
    assert job.path("output") == root / "logs" / "o.txt"
    assert job.path("error") == Path("/abs/e.txt")
    assert job.path("log") == root / "work" / "~" / "l.log"
    assert job.path("input") is None
