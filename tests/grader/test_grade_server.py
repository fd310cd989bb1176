"""grade-all forks each `grade` from one server that imported the grader once
(grader/forkserver.py, role "grade"): a forked grade is the same grade as a fresh one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.batch import grade_entry
from grader.confine import route
from grader.forkserver import ForkServer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "catalog"))
import build  # noqa: E402  (tests/catalog/build.py)


@pytest.fixture(scope="module")
def server():
    server = ForkServer(route(), role="grade")
    yield server
    server.stop()


def _outcome(data: dict) -> list:
    return [data["score"], [(t["name"], t.get("score"), t.get("output")) for t in data["tests"]]]


@pytest.mark.parametrize("kind, name", [("buggy", "dot_backward_no_broadcast"),
                                        ("numerical", "log_central_inline"),
                                        ("hostile", "os_exit_dot_forward")])
def test_a_forked_grade_scores_and_reports_exactly_as_a_fresh_one(tmp_path, server, kind, name):
    build.write(tmp_path, kind, name, "entry")
    path = str(tmp_path / "entry")
    fresh = grade_entry(path)
    forked = grade_entry(path, server=server)
    assert forked[0] == fresh[0] == "graded"
    assert _outcome(forked[1]) == _outcome(fresh[1])


def test_grades_forked_one_after_another_do_not_share_state(tmp_path, server):
    """The second grade starts from the server's pristine state, not the first's."""
    build.write(tmp_path, "valid", next(iter(build.EXPECTED["valid"])), "good")
    build.write(tmp_path, "buggy", "dot_backward_no_broadcast", "bad")
    scores = [grade_entry(str(tmp_path / sid), server=server)[1]["score"]
              for sid in ("bad", "good", "bad")]
    assert scores[0] == scores[2] < scores[1] == 100, scores


def test_a_forked_grade_shows_the_command_line_of_a_grade(tmp_path, server):
    """ps (and anything that looks for grading processes) sees `python -m grader grade`."""
    import os
    import signal
    import subprocess
    import time

    build.write(tmp_path, "hostile", "infinite_loop_sigmoid_forward", "slow")
    out_r, out_w = os.pipe()
    exit_r, exit_w = os.pipe()
    args = ["grade", str(tmp_path / "slow"), "--out", str(tmp_path / "out")]
    child = server.spawn({"argv": args, "cwd": str(ROOT), "env": {}},
                         {"out": out_w, "err": out_w, "exit": exit_w}, exit_r)
    for fd in (out_w, exit_w):
        os.close(fd)
    try:
        for _ in range(100):  # the fork retitles itself first thing
            with open(f"/proc/{child.pid}/cmdline", "rb") as f:
                shown = f.read().rstrip(b"\0").split(b"\0")
            if b"grader" in shown:
                break
            time.sleep(0.05)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            pass
        child.release()
        os.close(out_r)
    assert shown[1:] == [b"-m", b"grader", *map(os.fsencode, args)], shown


def test_a_server_that_cannot_fork_fails_that_grade_only(tmp_path):
    """grade-all goes on: the student's results say the grading failed, and why."""
    from grader.forkserver import ServerError

    class Broken:
        def spawn(self, *args, **kwargs):
            raise ServerError("the fork server failed: no answer within 20 s")

    build.write(tmp_path, "valid", next(iter(build.EXPECTED["valid"])), "good")
    status, data = grade_entry(str(tmp_path / "good"), server=Broken())
    assert status == "error", data
    assert "no answer within 20 s" in data["output"], data["output"]
