"""The fork server: workers are forks of one pristine interpreter, and none can reach
another through it (grader/forkserver.py says why; these tests try)."""

from __future__ import annotations

import os
import signal
import textwrap

import numpy as np
import pytest

from grader.sandbox import Sandbox, StudentError
from tests.grader.test_sandbox import HEADER, forward, op_source, write_submission


def _server_pid(box: Sandbox) -> int:
    return box._server.proc.pid


def _raised_by_sigmoid(tmp_path, body: str) -> str:
    """The message of the error sigmoid.forward raises with ``body``."""
    with Sandbox(write_submission(tmp_path, body)) as box:
        with pytest.raises(StudentError) as err:
            forward(box, "sigmoid", [1.0])
    return err.value.info["message"]


def test_a_worker_holds_no_descriptor_but_its_own(tmp_path):
    body = ("import os\n"
            "                links = []\n"
            "                for fd in os.listdir('/proc/self/fd'):\n"
            "                    try:\n"
            "                        links.append(fd + ':' + os.readlink('/proc/self/fd/' + fd))\n"
            "                    except OSError:\n"
            "                        pass  # listdir's own, closed by now\n"
            "                raise RuntimeError(' '.join(sorted(links)))")
    links = _raised_by_sigmoid(tmp_path, body).split()
    assert not [link for link in links if "socket:" in link], links
    # stdin, stdout and stderr, the request and answer pipes
    assert len(links) == 5, links


def test_every_worker_shows_its_own_command_line(tmp_path):
    with Sandbox(write_submission(tmp_path, "return a * 2")) as box:
        forward(box, "sigmoid", [1.0])
        forward(box, "log", [1.0])
        for worker in box.workers.values():
            with open(f"/proc/{worker.proc.pid}/cmdline", "rb") as f:
                args = f.read().rstrip(b"\0").split(b"\0")
            assert args[3].endswith(b"sandboxed/worker.py"), args[:4]
            assert args[-1] == os.path.join(worker.tmp, "ops.py").encode(), args


ATTACK = """
import ctypes, os, signal
import numpy

def _attack_the_server(pid):
    tried = []
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(pid, sig)
            tried.append(f"signal {{int(sig)}} sent")
        except OSError as err:
            tried.append(f"signal {{int(sig)}}: {{err.errno}}")
    try:
        with open(f"/proc/{{pid}}/maps") as f:
            spans = [line.split()[0] for line in f if " rw" in line]
        with open(f"/proc/{{pid}}/mem", "r+b", buffering=0) as mem:
            for span in spans:
                start, end = (int(x, 16) for x in span.split("-"))
                mem.seek(start)
                mem.write(bytes(min(end - start, 1 << 16)))
        tried.append("memory written")
    except OSError as err:
        tried.append(f"memory: {{err.errno}}")
    numpy.multiply = numpy.add  # in its own process only
    return tried

TRIED = _attack_the_server({pid})
"""


def test_an_op_attacking_the_server_changes_no_later_workers_answers(tmp_path):
    """The attack runs when the attacker's worker imports ops.py; workers forked after it
    (dot, multiply) must still compute with numpy and edugrad as they were."""
    path = tmp_path / "ops.py"
    honest = (HEADER + op_source("sigmoid", "return a * 2")
              + textwrap.dedent("""
                  @tensor_op
                  class multiply(Operation):
                      @staticmethod
                      def forward(ctx, a, b):
                          return np.multiply(a, b)

                      @staticmethod
                      def backward(ctx, grad_output):
                          return grad_output, grad_output
                  """))
    path.write_text(honest)
    with Sandbox(str(path)) as box:
        np.testing.assert_allclose(forward(box, "sigmoid", [1.0]), [2.0])
        server = _server_pid(box)
        path.write_text(HEADER + ATTACK.format(pid=server) + op_source(
            "log", "raise RuntimeError(' / '.join(TRIED))"))
        with pytest.raises(StudentError) as err:
            forward(box, "log", [1.0])
        tried = err.value.info["message"]
        path.write_text(honest)
        product = box.request({"cmd": "forward", "op": "multiply",
                               "inputs": [np.array([2.0, 3.0]), np.array([4.0, 5.0])]},
                              "multiply.forward")["out"]
        np.testing.assert_allclose(product, [8.0, 15.0])
        assert _server_pid(box) == server, f"the server was replaced after: {tried}"
        assert box._server.proc.poll() is None, tried
    assert "memory written" not in tried, tried


def test_a_dead_server_is_replaced_for_the_next_worker(tmp_path):
    with Sandbox(write_submission(tmp_path, "return a * 2")) as box:
        np.testing.assert_allclose(forward(box, "sigmoid", [1.0]), [2.0])
        first = _server_pid(box)
        os.kill(first, signal.SIGKILL)
        box._server.proc.wait()
        np.testing.assert_allclose(forward(box, "log", [1.0]), [0.0])
        assert _server_pid(box) != first


def test_workers_die_with_a_killed_server(tmp_path):
    import time

    with Sandbox(write_submission(tmp_path, "return a * 2")) as box:
        forward(box, "sigmoid", [1.0])
        worker = box.workers["sigmoid"].proc.pid
        os.kill(_server_pid(box), signal.SIGKILL)
        for _ in range(100):
            try:
                with open(f"/proc/{worker}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                state = "gone"
            if state in ("gone", "Z"):
                break
            time.sleep(0.05)
        assert state in ("gone", "Z"), f"worker {worker} still running ({state})"


def test_closing_the_sandbox_stops_the_server_and_its_workers(tmp_path):
    box = Sandbox(write_submission(tmp_path, "return a * 2"))
    forward(box, "sigmoid", [1.0])
    server, workers = box._server.proc, [w.proc.pid for w in box.workers.values()]
    box.close()
    assert server.poll() is not None
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_no_variable_of_the_graders_environment_reaches_a_worker(tmp_path, monkeypatch):
    """A worker starts as a copy of the server: the grader's environment (a TA's tokens)
    must be in neither its os.environ nor the block /proc/self/environ shows."""
    monkeypatch.setenv("HW3_TEST_TOKEN", "s3cr3t-token-value")
    body = ("import os\n"
            "                with open('/proc/self/environ', 'rb') as f:\n"
            "                    block = f.read()\n"
            "                raise RuntimeError(f'{b\"s3cr3t\" in block} {\"HW3_TEST_TOKEN\" in os.environ} '\n"
            "                                   f'{sorted(os.environ)}')")
    message = _raised_by_sigmoid(tmp_path, body)
    in_block, in_environ, names = message.split(" ", 2)
    assert (in_block, in_environ) == ("False", "False"), message
    assert "HOME" in names and "TMPDIR" in names, names


def test_the_workers_server_has_numpy_random_loaded_before_it_forks():
    """numpy loads numpy.random lazily, and every worker seeds it: ~20 ms a worker."""
    import subprocess
    import sys

    code = ("import sys; from grader.forkserver import _preload; _preload('worker'); "
            "print('numpy.random' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                             os.path.abspath(__file__)))), timeout=60)
    assert out.stdout.strip() == "True", out.stderr[-2000:]


def test_a_worker_starts_with_the_servers_objects_frozen(tmp_path):
    """Its collector never walks, and so never copies, what the server imported."""
    prelude = "import gc\nFROZEN = gc.get_freeze_count()\n"
    path = write_submission(tmp_path, "return a * 0 + FROZEN", prelude=prelude)
    with Sandbox(path) as box:
        (frozen,) = forward(box, "sigmoid", np.zeros(1))
    assert frozen > 10_000, frozen
