"""No submission reaches the network on this machine's route: the listeners the test runs
(TCP on 127.0.0.1 and ::1, UDP, abstract and path unix sockets) hear nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from isolation_support import DRIVE, Listeners

from grader.sandbox import Sandbox


def test_the_listeners_hear_a_plain_process_of_the_test(tmp_path):
    """The control: without the sandbox, the network entry's sends do arrive."""
    with Listeners() as listeners:
        path = listeners.submission(tmp_path)
        code = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
                "import network_exfiltration_sigmoid_forward as m; m._attack()")
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60,
                       cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
        assert path.exists()
        import time

        time.sleep(0.5)
        heard = {name for name, _ in listeners.received}
    expected = set(listeners.sockets)
    assert heard == expected, f"heard {sorted(heard)} of {sorted(expected)}"


def test_a_submission_reaches_no_listener_and_its_answers_stay_right(tmp_path):
    with Listeners() as listeners:
        path = listeners.submission(tmp_path)
        x = np.linspace(-3, 3, 7)
        with Sandbox(str(path)) as box:
            reply = box.request({"cmd": "forward", "op": "sigmoid", "inputs": [x]}, "sigmoid")
            other = box.request({"cmd": "forward", "op": "log", "inputs": [x + 4]}, "log")
        import time

        time.sleep(0.5)  # anything in flight
        heard = list(listeners.received)
    assert heard == [], f"the listeners heard {heard}"
    np.testing.assert_allclose(reply["out"], 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(other["out"], np.log(x + 4))


def test_the_driver_reports_every_isolation_property_held_here(tmp_path):
    """On this machine's route (namespaces where they work) confine.status() measures
    all five properties held; where they do not, this says which is missing."""
    out = tmp_path / "report.json"
    subprocess.run([sys.executable, str(DRIVE), str(out)], check=True, timeout=300)
    report = json.loads(out.read_text())
    if report["route"] != "namespaces":
        pytest.skip(f"no namespaces here: {report['summary']}")
    assert all(report["holds"].values()), report["summary"]
