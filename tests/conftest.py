"""Shared test settings: hypothesis profiles, and the catalog graded in the background.

``ci`` (the default) has no deadline (2 shared cores make timings noisy) and a moderate
number of examples.  Choose another with ``HYPOTHESIS_PROFILE=thorough pytest`` or
``pytest --hypothesis-profile=thorough``.
"""

import os
import sys

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=30, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The catalog tests (tests/grader/test_catalogs.py) grade ~130 submissions with one
# grade-all: the biggest share of the suite's CPU, spent in subprocesses.  It is started
# as soon as the suite is collected, so the rest runs meanwhile (in one process, those
# tests run last).  Under pytest-xdist (`make check`: a worker per core, each file in
# one worker) the controller starts it, and the worker that runs the catalog tests
# waits for it through files (test_catalogs.Background).
CATALOG_TESTS = "test_catalogs.py"


def _catalogs():
    """tests/grader/test_catalogs.py, imported the way pytest imports it (by its name, from
    its folder), so a test session holds one copy of it."""
    import importlib

    folder = os.path.join(ROOT, "tests", "grader")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(CATALOG_TESTS[:-3])


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name == CATALOG_TESTS)  # stable: order kept


def pytest_collection_finish(session):
    if session.config.option.collectonly or hasattr(session.config, "workerinput"):
        return  # nothing will run, or (an xdist worker) the controller starts it
    if any(item.path.name == CATALOG_TESTS for item in session.items):
        _catalogs().start_catalog(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist's controller, for each worker: the folder the catalog is graded in."""
    node.workerinput["hw3_catalogs"] = str(_catalogs().catalog_folder(node.config))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    """xdist's controller: a worker has collected; start the catalog if it is selected."""
    if any(f"/{CATALOG_TESTS}::" in nodeid for nodeid in ids):
        _catalogs().start_catalog(node.config)


def pytest_sessionfinish(session):
    module = sys.modules.get(CATALOG_TESTS[:-3])
    if module is not None:
        module.stop_catalog(session.config)  # if the session ended before waiting for it


# A small class graded once per session by grade-all (under umask 002, as a shared
# TA folder would be) and shared by the gradebook, report and command tests: the
# reference as a `make submit` archive, the untouched starter, a folder without
# ops.py, an archive without one, an ops.py with a syntax error, and buggy variants
# of the reference (each one mistake; two students make the same one; one ends its
# process).  Tests copy it before changing it.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOLUTION = os.path.join(ROOT, "instructor", "solution", "ops.py")
STARTER = os.path.join(ROOT, "starter", "ops.py")
CLASS_BUGS = {  # student -> (what the reference says, what the student wrote)
    "bea": ("return (grad_output * out * (1 - out),)", "return (out * (1 - out),)"),
    "cal": ("return (grad_output * out * (1 - out),)", "return ((1 - out) * out,)"),
    "dan": ("return (grad_output / a,)", "return (grad_output * a,)"),
    "eve": ("return grad_output * b, grad_output * a", "return grad_output * a, grad_output * b"),
    "hal": ("        (out,) = ctx\n", "        (out,) = ctx\n        import os; os._exit(3)\n"),
}


def write_class(folder) -> dict[str, str]:
    """The class's submissions in ``folder``; student id -> entry name."""
    import shutil
    import tarfile
    import zipfile

    os.makedirs(folder, exist_ok=True)
    with open(SOLUTION, encoding="utf-8") as f:
        solution = f.read()
    with tarfile.open(os.path.join(folder, "ada.tar.gz"), "w:gz") as tf:
        tf.add(SOLUTION, arcname="ops.py")
    os.mkdir(os.path.join(folder, "stub"))
    shutil.copyfile(STARTER, os.path.join(folder, "stub", "ops.py"))
    os.mkdir(os.path.join(folder, "nobody"))
    with zipfile.ZipFile(os.path.join(folder, "joe.zip"), "w") as zf:
        zf.writestr("README.txt", "I will hand in tomorrow\n")
    with open(os.path.join(folder, "ivy.py"), "w", encoding="utf-8") as f:
        f.write(solution.replace("def forward(ctx, a):", "def forward(ctx, a)", 1))
    names = {"ada": "ada.tar.gz", "stub": "stub", "nobody": "nobody", "joe": "joe.zip",
             "ivy": "ivy.py"}
    for sid, (right, wrong) in CLASS_BUGS.items():
        assert right in solution, f"the reference no longer holds {right!r}: update CLASS_BUGS"
        with open(os.path.join(folder, f"{sid}.py"), "w", encoding="utf-8") as f:
            f.write(solution.replace(right, wrong))
        names[sid] = f"{sid}.py"
    return names


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """(submissions folder, graded folder, grade-all's CompletedProcess).

    Graded once per run: under xdist the first worker that needs it grades it in the
    run's shared temporary folder, and the others wait for its record."""
    import json
    import subprocess
    import time

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the controller's folder, which holds each worker's
    tmp = root / "class"
    subs, out, record = tmp / "subs", tmp / "out", tmp / "grade-all.json"
    args = [sys.executable, "-m", "grader", "grade-all", str(subs), "--out", str(out), "-j", "2"]
    try:
        tmp.mkdir()
    except FileExistsError:  # another worker is grading it
        deadline = time.monotonic() + 900
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    else:
        found = [None, "", "grade-all did not finish within 900 s"]
        try:
            write_class(subs)
            run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900,
                                 preexec_fn=lambda: os.umask(0o002))
            found = [run.returncode, run.stdout, run.stderr]
        finally:  # the waiting workers learn the outcome, whatever it is
            (tmp / "record.tmp").write_text(json.dumps(found))
            os.replace(tmp / "record.tmp", record)
    assert record.exists(), f"no worker finished grading the class in {tmp} within 900 s"
    returncode, stdout, stderr = json.loads(record.read_text())
    assert returncode == 0, stdout[-2000:] + stderr[-2000:]
    return subs, out, subprocess.CompletedProcess(args, returncode, stdout, stderr)
