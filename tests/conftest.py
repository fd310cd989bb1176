"""Shared test settings: hypothesis profiles, and the catalog graded in the background.

``ci`` (the default) has no deadline (2 shared cores make timings noisy) and a moderate
number of examples.  Choose another with ``HYPOTHESIS_PROFILE=thorough pytest`` or
``pytest --hypothesis-profile=thorough``.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None, max_examples=30, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# The catalog tests (tests/grader/test_catalogs.py) grade ~120 submissions with one
# grade-all: most of the suite's time, spent in subprocesses.  It is started when the
# session starts and those tests run last, so the other tests run meanwhile.
CATALOG_TESTS = "test_catalogs.py"


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name == CATALOG_TESTS)  # stable: order kept


@pytest.fixture(scope="session", autouse=True)
def _catalog_graded_in_the_background(request, tmp_path_factory):
    module = next((item.module for item in request.session.items
                   if item.path.name == CATALOG_TESTS), None)
    started = module.start_grading(tmp_path_factory) if module is not None else None
    yield
    if started is not None:
        started.kill()  # the session ended (or stopped early) before it was waited for


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
    """(submissions folder, graded folder, grade-all's CompletedProcess)."""
    import subprocess
    import sys
    from pathlib import Path

    tmp = tmp_path_factory.mktemp("class")
    subs, out = tmp / "subs", tmp / "out"
    write_class(subs)
    run = subprocess.run([sys.executable, "-m", "grader", "grade-all", str(subs), "--out",
                          str(out), "-j", "2"], cwd=ROOT, capture_output=True, text=True,
                         timeout=900, preexec_fn=lambda: os.umask(0o002))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return Path(subs), Path(out), run
