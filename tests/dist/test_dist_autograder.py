"""`make autograder` (instructor/gradescope/): the bundle holds what grading reads and no
gradient oracle, pins the versions it was tested with, and, in a fake /autograder tree
set up by its own setup.sh, keeps hidden results hidden and always leaves a
results.json."""

from __future__ import annotations

import importlib.metadata as metadata
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from grader.stamp import CODE
from instructor import pins, shipping
from instructor.gradescope import bundle

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "instructor" / "solution" / "ops.py"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist") / "autograder.zip"
    bundle.build(out)
    return out


def names_in(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return set(zf.namelist())


# ---------------------------------------------------------------- what the bundle holds
def test_bundle_holds_what_grading_reads_and_gradescopes_entry(autograder_zip):
    names = names_in(autograder_zip)
    code = [Path(c).as_posix() for c in CODE]
    tops = {n for n in names if not any(shipping.under(n, c) for c in code)}
    assert tops == {"setup.sh", "run_autograder", "requirements.lock", "pyproject.toml",
                    "README.md", "instructor/__init__.py", "instructor/gradescope/__init__.py",
                    "instructor/gradescope/run.py"}, sorted(tops)
    for needed in ("instructor/hidden/test_hidden.py", "instructor/hidden/cases.npz",
                   "instructor/reference/long.json", "instructor/mistakes.py",
                   "grader/numerical.py", "sandboxed/worker.py", "data/toy/classes.tsv"):
        assert needed in names, needed


def test_bundle_ships_no_solution_tools_tests_starter_or_real_corpora(autograder_zip):
    names = names_in(autograder_zip)
    leaked = [n for n in names if n.startswith(("instructor/solution/", "tests/", "bench/",
                                                "starter/", "data/real/", ".ci/"))
              or n in ("instructor/cases.py", "instructor/reference.py",
                       "instructor/release.py", "instructor/shipping.py", "instructor/pins.py",
                       "instructor/fanout.py", "instructor/grammar.py",
                       "instructor/gradescope/bundle.py")
              or "__pycache__" in n or n.endswith(".pyc")]
    assert leaked == []


def test_entry_points_are_executable(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    for name in ("setup.sh", "run_autograder"):
        assert (infos[name].external_attr >> 16) & stat.S_IXUSR, f"{name} not executable"


def test_bundle_holds_no_gradient_oracle_and_every_import_resolves(autograder_zip, tmp_path):
    source = bundle.unpack(autograder_zip, tmp_path / "autograder")
    assert bundle.check(source) == []


def test_bundle_check_flags_the_solution_planted_in_the_hidden_tests(autograder_zip,
                                                                      tmp_path):
    source = bundle.unpack(autograder_zip, tmp_path / "autograder")
    shutil.copy(SOLUTION, source / "instructor" / "hidden" / "helpers.py")
    found = bundle.check(source)
    assert any("instructor/hidden/helpers.py" in f and "solution" in f for f in found), found


def test_autograder_refuses_a_written_starter(repo_copy, tmp_path):
    starter = repo_copy / "starter" / "ops.py"
    starter.write_text(SOLUTION.read_text())
    with pytest.raises(bundle.BundleError) as err:
        bundle.build(tmp_path / "autograder.zip", root=repo_copy)
    message = str(err.value)
    assert "not the stub: sigmoid, log, multiply, dot are written" in message, message
    assert "git checkout starter/ops.py" in message
    assert not (tmp_path / "autograder.zip").exists()


def test_autograder_refuses_a_missing_starter(repo_copy, tmp_path):
    (repo_copy / "starter" / "ops.py").unlink()
    with pytest.raises(bundle.BundleError, match=r"starter/ops.py is missing.*git checkout"):
        bundle.build(tmp_path / "autograder.zip", root=repo_copy)


# ---------------------------------------------------------------- the lock file
def lock_lines(autograder_zip) -> list[str]:
    with zipfile.ZipFile(autograder_zip) as zf:
        return zf.read(bundle.LOCK).decode().splitlines()


def pinned(autograder_zip) -> dict[str, str]:
    """{name: version} of the lock's lines that pin one version."""
    found = {}
    for line in lock_lines(autograder_zip):
        if line and not line.startswith("#"):
            req = Requirement(line)
            exact = [s.version for s in req.specifier if s.operator == "=="]
            if exact:
                found[canonicalize_name(req.name)] = exact[0]
    return found


def test_lock_pins_the_installed_version_of_every_student_dependency(autograder_zip):
    found = pinned(autograder_zip)
    for name in ("numpy", "pytest", "pytest-timeout", "hypothesis", "tqdm"):
        assert found.get(name) == metadata.version(name), (name, found)


def test_lock_holds_everything_the_pinned_packages_need_here(autograder_zip):
    lines = [line for line in lock_lines(autograder_zip) if line and not line.startswith("#")]
    listed = {canonicalize_name(Requirement(line).name) for line in lines}
    for name in pinned(autograder_zip):
        for sub in metadata.requires(name) or []:
            req = Requirement(sub)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                assert canonicalize_name(req.name) in listed, (name, sub)


def test_lock_says_which_python_its_versions_need(autograder_zip):
    lines = lock_lines(autograder_zip)
    need = next(line for line in lines if line.startswith("# requires-python: >="))
    version = need.split(">=")[1].split()[0]
    assert version == pins.min_python(pins.pins())
    numpy_needs = metadata.metadata("numpy").get("Requires-Python", "")
    if numpy_needs.startswith(">=3.11"):
        assert version == "3.11" and "# base-image: Ubuntu 24.04 (Python 3.12)" in lines


def test_base_image_is_the_oldest_with_a_new_enough_python():
    assert bundle.base_image("3.10") == "Ubuntu 22.04 (Python 3.10)"
    assert bundle.base_image("3.11") == "Ubuntu 24.04 (Python 3.12)"
    assert bundle.base_image("3.13").startswith("none of")


# ---------------------------------------------------------------- setup.sh, offline
PYTHON3_SHIM = """\
#!/bin/sh
# python3 for setup.sh under test: the real one; a venv it makes also sees this
# environment's pinned packages (links in the venv), so pip needs no network.
"$HW3_REAL_PYTHON" "$@" || exit $?
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    cp -a "$HW3_BORROWED" "$3/borrowed"
    site=$("$3/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$3/borrowed" > "$site/borrowed.pth"
fi
"""
OLD_PYTHON3_SHIM = """\
#!/bin/sh
# python3 as Ubuntu 20.04 has it, for the questions setup.sh asks.
case "$*" in
    *version_info*) exit 1 ;;
    *python_version*) echo 3.8.10 ;;
    *) exec "$HW3_REAL_PYTHON" "$@" ;;
esac
"""


def shim(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "python3"
    path.write_text(text)
    path.chmod(0o755)
    return folder


def run_setup(root: Path, shims: Path, borrowed: Path | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env.update(AUTOGRADER_ROOT=str(root), HW3_REAL_PYTHON=sys.executable,
               PATH=f"{shims}:{env.get('PATH', '/usr/bin:/bin')}",
               PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1")
    if borrowed is not None:
        env["HW3_BORROWED"] = str(borrowed)
    return subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(autograder_zip, tmp_path_factory):
    """A fake /autograder: the zip unpacked in source/, setup.sh run as Gradescope does
    (offline: pip finds every pinned version already present, so a lock that did not
    match what is installed here would fail), run_autograder copied beside it."""
    work = tmp_path_factory.mktemp("gradescope")
    root = work / "autograder"
    bundle.unpack(autograder_zip, root)
    borrowed = work / "borrowed"
    pins.borrow(pins.pins() + pins.closure(["setuptools>=64", "wheel"]), borrowed)
    proc = run_setup(root, shim(work / "shims", PYTHON3_SHIM), borrowed)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root, proc


@pytest.fixture
def gradescope(installed):
    """The installed tree with an empty submission/ and no results/; ``run()`` runs
    run_autograder with the venv setup.sh made and returns (results, stdout)."""
    root, _ = installed
    for name in ("submission", "results"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "submission").mkdir()

    def run(wrapper: list[str] = ()) -> tuple[dict, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HW3_"))}
        env["AUTOGRADER_ROOT"] = str(root)
        proc = subprocess.run([*wrapper, str(root / "run_autograder")], env=env,
                              capture_output=True, text=True, timeout=600)
        results = root / "results" / "results.json"
        assert results.is_file(), f"no results.json; exit {proc.returncode}: {proc.stderr[-2000:]}"
        return json.loads(results.read_text()), proc.stdout + proc.stderr

    return root, run


def test_setup_sh_installs_the_pinned_versions(installed):
    root, proc = installed
    python = root / "venv" / "bin" / "python"
    out = subprocess.run([str(python), "-c", "import importlib.metadata as m; print("
                          "m.version('numpy'), m.version('hypothesis'), m.version('pytest'))"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [metadata.version(n) for n in ("numpy", "hypothesis", "pytest")]
    assert "installed Python" in proc.stdout


def test_setup_sh_makes_instructor_and_grader_unreadable_to_others(installed):
    root, _ = installed
    source = root / "source"
    for rel in ("instructor", "instructor/hidden/cases.npz", "grader", "grader/cli.py"):
        assert (source / rel).stat().st_mode & 0o077 == 0, rel
    for rel in ("edugrad", "hw3/registry.py", "sandboxed/worker.py", "data/toy/corpus.txt",
                "data/toy/classes.tsv"):
        path = source / rel
        wanted = 0o005 if path.is_dir() else 0o004  # others may read (and enter folders)
        assert path.stat().st_mode & wanted == wanted, rel


def test_setup_sh_refuses_an_old_python_and_names_the_base_image(autograder_zip, tmp_path):
    root = tmp_path / "autograder"
    bundle.unpack(autograder_zip, root)
    proc = run_setup(root, shim(tmp_path / "shims", OLD_PYTHON3_SHIM))
    assert proc.returncode == 1
    assert "python3 is 3.8.10" in proc.stderr and "base image Ubuntu" in proc.stderr, proc.stderr
    assert "Ubuntu 22.04 has Python 3.10" in proc.stderr
    assert not (root / "venv").exists()


# ---------------------------------------------------------------- run_autograder
def test_run_autograder_grades_the_solution_full_marks_with_the_pinned_venv(gradescope):
    root, run = gradescope
    shutil.copy(SOLUTION, root / "submission" / "ops.py")
    results, stdout = run()
    assert results["score"] == results["max_score"] == 100, results.get("output")
    assert "not the stub" not in stdout  # the bundle has no starter to warn about


def test_tests_are_numbered_in_rubric_order_and_the_summary_is_markdown(gradescope):
    from hw3 import registry

    root, run = gradescope
    shutil.copy(ROOT / "starter" / "ops.py", root / "submission" / "ops.py")
    results, _ = run()
    assert results["score"] == 0 and results["max_score"] == 100
    tests = results["tests"]
    assert [t["number"] for t in tests] == [str(n) for n in range(1, len(tests) + 1)]
    order = [(c.key, op or "training", hidden) for c, op, hidden, _ in registry.items()]
    assert [(t["extra_data"]["check"], t["extra_data"]["op"], t["extra_data"]["hidden"])
            for t in tests] == order
    assert results["output_format"] == "md" and results["stdout_visibility"] == "hidden"
    assert all(t["visibility"] == ("after_published" if t["extra_data"]["hidden"]
                                   else "visible") for t in tests)


def fails_only_hidden_tests() -> str:
    """The solution, except that sigmoid's forward is off on one input value that only
    a hidden case holds (the first value of its first hidden shapes case)."""
    from grader.rubric.cases import load

    hidden = load(str(ROOT / "instructor" / "hidden" / "cases.npz"))
    value = float(hidden.get("sigmoid", "shapes")[0].inputs[0].flat[0])
    return SOLUTION.read_text() + textwrap.dedent(f"""

        _reference = sigmoid.op_class


        @tensor_op
        class sigmoid(_reference):
            @staticmethod
            def forward(ctx, a):
                out = _reference.forward(ctx, a)
                if np.any(a == {value!r}):
                    ctx[0] = out = out * 0.5
                return out
        """)


def visible_text(results: dict) -> list:
    """What a student sees before grades are published: the top-level output and
    every visible test (name, score, status, output)."""
    return [results["output"]] + [
        (t["name"], t["score"], t["max_score"], t["status"], t["output"])
        for t in results["tests"] if t["visibility"] == "visible"]


def test_failing_only_hidden_tests_shows_exactly_what_a_correct_submission_shows(gradescope):
    root, run = gradescope
    shutil.copy(SOLUTION, root / "submission" / "ops.py")
    correct, _ = run()
    (root / "submission" / "ops.py").write_text(fails_only_hidden_tests())
    results, _ = run()
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(t["visibility"] == "after_published" for t in failed), failed
    assert results["score"] < correct["score"] == 100
    assert visible_text(results) == visible_text(correct)
    shown = json.dumps(visible_text(results))
    assert f"{results['score']:g} / 100" not in shown and f"{results['score']:g}/100" not in shown
    assert "Public tests: 60 / 60" in results["output"]


def test_isolation_warning_goes_to_hidden_stdout_never_to_what_students_see(gradescope):
    """On a host like Gradescope's container without Landlock (tests/isolation/host.py),
    where the second user cannot even start this machine's Python (it lives under
    /root), the staff read the warning in stdout (hidden from students); results.json's
    visible text does not carry it."""
    root, run = gradescope
    if os.geteuid() != 0:
        pytest.skip("needs root (the host simulation drops root's powers)")
    shutil.copy(SOLUTION, root / "submission" / "ops.py")
    results, stdout = run([sys.executable, str(ROOT / "tests" / "isolation" / "host.py"),
                           "--no-landlock", "--"])
    note = results["extra_data"]["hw3"]["isolation"]
    assert "grading isolation is incomplete" in note
    assert note in stdout and results["stdout_visibility"] == "hidden"
    assert "isolation" not in json.dumps(visible_text(results))


def test_a_run_killed_mid_grading_leaves_the_provisional_results(installed, tmp_path):
    root, _ = installed
    shutil.rmtree(root / "results", ignore_errors=True)
    shutil.rmtree(root / "submission", ignore_errors=True)
    (root / "submission").mkdir()
    slow = SOLUTION.read_text().replace("    def forward(ctx, a):\n        z = np.exp",
                                        "    def forward(ctx, a):\n        __import__('time')"
                                        ".sleep(30)\n        z = np.exp", 1)
    assert "sleep(30)" in slow
    (root / "submission" / "ops.py").write_text(slow)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "HW3_"))}
    env["AUTOGRADER_ROOT"] = str(root)
    proc = subprocess.Popen([str(root / "run_autograder")], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = root / "results" / "results.json"
    deadline = time.monotonic() + 60
    while not results.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(4)  # grading under way: sigmoid's forward is sleeping
    assert proc.poll() is None, "run_autograder ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    data = json.loads(results.read_text())
    assert data["score"] == 0 and data["tests"] == []
    assert "did not finish" in data["output"] and "course staff" in data["output"]
    assert data["stdout_visibility"] == "hidden"


def test_run_autograder_grades_a_make_submit_archive_full_marks(gradescope, tmp_path):
    """... from a bundle without instructor/solution: grading never needs it."""
    from hw3 import handin

    root, run = gradescope
    assert not (root / "source" / "instructor" / "solution").exists()
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    for name in handin.OUTPUT_FILES:
        (outputs / name).write_text("x\n")
    handin.build_archive(SOLUTION, outputs, root / "submission" / "hw3-submission.tar.gz")
    results, _ = run()
    assert results["score"] == results["max_score"] == 100, results.get("output")


def test_run_autograder_with_nothing_submitted_still_writes_results(gradescope):
    _, run = gradescope
    results, _ = run()
    assert results["score"] == 0 and "Nothing was submitted" in results["output"]
