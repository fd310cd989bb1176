"""Isolation: misbehaving submissions cost their own requests and nothing else."""

from __future__ import annotations

import os
import textwrap
import time

import numpy as np
import pytest

from grader import sandbox as sandbox_module
from grader.sandbox import Sandbox, StudentError, WorkerFailure

HEADER = "import numpy as np\nfrom edugrad.operation import Operation, tensor_op\n"


def op_source(name: str, forward_body: str, backward_body: str = "return (grad_output,)"):
    return textwrap.dedent(f"""
        @tensor_op
        class {name}(Operation):
            @staticmethod
            def forward(ctx, a):
                {forward_body}

            @staticmethod
            def backward(ctx, grad_output):
                {backward_body}
        """)


def write_submission(tmp_path, sigmoid_forward: str, prelude: str = "") -> str:
    path = tmp_path / "ops.py"
    path.write_text(HEADER + prelude + "\n" + op_source("sigmoid", sigmoid_forward)
                    + op_source("log", "return np.log(a)"))
    return str(path)


def forward(box: Sandbox, op: str, x):
    return box.request({"cmd": "forward", "op": op, "inputs": [np.asarray(x, float)]},
                       f"{op}.forward")["out"]


def test_infinite_loop_times_out_and_next_request_gets_a_fresh_worker(tmp_path):
    path = write_submission(tmp_path, "while True:\n                    pass")
    with Sandbox(path, timeout=1.0) as box:
        with pytest.raises(WorkerFailure) as failure:
            forward(box, "sigmoid", [1.0])
        assert failure.value.kind == "timeout", failure.value.message
        assert "ran longer than 1 s on sigmoid.forward" in failure.value.message
        np.testing.assert_allclose(forward(box, "log", [1.0, np.e]), [0.0, 1.0])


def test_os_exit_in_forward_is_reported_as_an_exit(tmp_path):
    path = write_submission(tmp_path, "import os\n                os._exit(3)")
    with Sandbox(path) as box:
        with pytest.raises(WorkerFailure) as failure:
            forward(box, "sigmoid", [1.0])
        assert failure.value.kind == "crash"
        assert "exited (status 3)" in failure.value.message, failure.value.message
        np.testing.assert_allclose(forward(box, "log", [1.0]), [0.0])


def test_printing_100_mb_is_drained_and_the_answer_still_arrives(tmp_path):
    path = write_submission(tmp_path, "print('x' * (100 << 20))\n                return a * 2")
    with Sandbox(path) as box:
        np.testing.assert_allclose(forward(box, "sigmoid", [1.0]), [2.0])
        assert len(box.output) <= 8192, len(box.output)


def test_sys_exit_at_import_is_a_sticky_import_failure(tmp_path):
    path = write_submission(tmp_path, "return a", prelude="import sys\nsys.exit(0)\n")
    with Sandbox(path) as box:
        for _ in range(2):
            with pytest.raises(WorkerFailure) as failure:
                forward(box, "log", [1.0])
            assert failure.value.kind == "import"
            assert "sys.exit()" in failure.value.message, failure.value.message
        assert box.restarts_left == 59, "an import failure must not be retried"


def test_exceptions_come_back_with_the_line_of_ops_py(tmp_path):
    path = write_submission(tmp_path, "raise ValueError('boom')")
    with Sandbox(path) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] == "ValueError"
        assert "ops.py line" in err.value.info["line"], err.value.info


def test_writing_a_big_file_is_refused(tmp_path):
    target = tmp_path / "big.bin"
    path = write_submission(
        tmp_path, f"with open({str(target)!r}, 'wb') as f:\n                    "
                  "f.write(bytes(32 << 20))\n                return a")
    with Sandbox(path) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] == "OSError", err.value.info
    assert target.stat().st_size <= 16 << 20


def test_allocating_50_gb_raises_memory_error_in_the_child(tmp_path):
    path = write_submission(tmp_path, "return np.ones((50 << 30) // 8) [:1] * a")
    with Sandbox(path, memory_mb=2048) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] == "MemoryError", err.value.info


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_forking_is_capped_and_every_child_is_killed_at_the_end(tmp_path):
    body = ("import os, time\n"
            "                for _ in range(200):\n"
            "                    if os.fork() == 0:\n"
            "                        time.sleep(60)\n"
            "                        os._exit(0)\n"
            "                return a")
    path = write_submission(tmp_path, body)
    box = Sandbox(path, max_pids=32)
    try:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
        assert err.value.info["type"] in ("BlockingIOError", "OSError"), err.value.info
        marker = box._tmp
    finally:
        box.close()
    time.sleep(0.5)
    assert _processes_mentioning(marker) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="confinement applies when grading as root")
def test_as_root_the_child_cannot_lift_limits_or_read_hidden_tests(tmp_path):
    hidden = os.path.join(os.path.dirname(sandbox_module.__file__), "rubric", "hidden")
    body = ("import resource, os\n"
            "                try:\n"
            "                    resource.setrlimit(resource.RLIMIT_AS, (-1, -1))\n"
            "                    lifted = 'lifted'\n"
            "                except (ValueError, OSError):\n"
            "                    lifted = 'refused'\n"
            f"                raise RuntimeError(lifted + ' ' + str(os.listdir({hidden!r})))")
    path = write_submission(tmp_path, body)
    with Sandbox(path) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
    assert err.value.info["message"] == "refused []", err.value.info
    assert os.listdir(hidden), "the grader's own view of the hidden tests must be untouched"


def test_a_method_that_hung_twice_is_not_called_again(tmp_path):
    from grader.subject import CheckFailed, Subject

    path = write_submission(tmp_path, "while True:\n                    pass")
    with Sandbox(path, timeout=0.5) as box:
        sub = Subject(box)
        for _ in range(2):
            sub.new_test()
            with pytest.raises(CheckFailed, match="ran longer than 0.5 s"):
                sub.forward("sigmoid", [1.0])
        sub.new_test()
        start = time.monotonic()
        with pytest.raises(CheckFailed, match="not run"):
            sub.forward("sigmoid", [1.0])
        assert time.monotonic() - start < 0.5
        np.testing.assert_allclose(sub.forward("log", [1.0]), [0.0])
