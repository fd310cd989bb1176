"""The grader's commands end to end: full marks for the reference, zero for the
starter, repeatable scores, Gradescope results, grade-all resumability.

Runs `python -m grader` in subprocesses, as instructors and students do.  The class
graded once per session (tests/conftest.py, ``graded_class``: the reference as a
`make submit`-style archive ``ada``, the untouched starter as a folder ``stub``, a
sigmoid that forgets grad_output ``bea``, ...) is shared by most tests.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "instructor" / "solution" / "ops.py"
STARTER = ROOT / "starter" / "ops.py"
GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


def grader(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def batch(graded_class):
    subs, out, run = graded_class
    return out.parent, subs, out, run


def results(out: Path, sid: str) -> dict:
    return json.loads((out / sid / "results.json").read_text())


def test_grade_all_exits_zero(batch):
    _, _, _, run = batch
    assert run.returncode == 0, run.stderr[-2000:]


def test_reference_archive_scores_100(batch):
    _, _, out, _ = batch
    data = results(out, "ada")
    failed = [(t["name"], t["output"][:200]) for t in data["tests"] if t["status"] != "passed"]
    assert data["score"] == 100 and not failed, failed


def test_untouched_starter_scores_0_without_tracebacks(batch):
    _, _, out, _ = batch
    data = results(out, "stub")
    assert data["score"] == 0, data["score"]
    texts = [data["output"]] + [t["output"] for t in data["tests"]]
    assert not [t for t in texts if "Traceback" in t or 'File "' in t], texts[:3]
    assert all("not implemented yet" in t["output"] for t in data["tests"]), [
        t["output"] for t in data["tests"] if "not implemented yet" not in t["output"]][:3]


def test_buggy_submission_loses_points_on_sigmoid_and_says_why(batch):
    _, _, out, _ = batch
    data = results(out, "bea")
    lost = [t for t in data["tests"] if t["status"] == "failed"]
    assert data["score"] < 100
    assert any("forgot the upstream gradient" in t["output"] for t in lost), [
        t["output"][:200] for t in lost]
    assert all(t["name"].startswith(("sigmoid", "training")) for t in lost), [
        t["name"] for t in lost]


def test_results_json_follows_the_gradescope_schema(batch):
    _, _, out, _ = batch
    data = results(out, "ada")
    assert {"score", "max_score", "execution_time", "output", "tests"} <= set(data)
    assert data["max_score"] == 100
    for t in data["tests"]:
        assert set(t) >= GRADESCOPE_TEST_KEYS, t
        assert t["status"] in ("passed", "failed") and 0 <= t["score"] <= t["max_score"]
        assert t["visibility"] in ("visible", "after_published")
    assert sum(t["max_score"] for t in data["tests"]) == 100


def test_grades_csv_has_one_row_per_student_with_the_score_of_its_results(batch):
    _, subs, out, _ = batch
    rows = list(csv.DictReader((out / "grades.csv").open()))
    ids = sorted(p.name.split(".")[0] for p in subs.iterdir())
    assert sorted(r["student"] for r in rows) == ids
    assert {r["student"]: float(r["score"]) for r in rows} == {
        sid: results(out, sid)["score"] for sid in ids}


def test_grade_all_again_skips_students_that_are_up_to_date_and_keeps_scores(batch, tmp_path):
    _, subs, out, _ = batch
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    before = (copy / "grades.csv").read_text()
    run = grader("grade-all", subs, "--out", copy)
    assert run.returncode == 0, run.stderr[-2000:]
    n = len(list(subs.iterdir()))
    assert f"{n} up to date, grading 0" in run.stdout, run.stdout
    assert (copy / "grades.csv").read_text() == before
    assert not (copy / ".history").exists()  # nothing changed, nothing kept


def test_grading_the_same_submission_twice_gives_identical_results(batch, tmp_path):
    _, subs, out, _ = batch
    run = grader("grade", subs / "bea.py", "--out", tmp_path / "again")
    assert run.returncode == 0, run.stderr[-2000:]
    first = results(out, "bea")
    again = json.loads((tmp_path / "again" / "results.json").read_text())
    assert [(t["name"], t["score"], t["output"]) for t in again["tests"]] == [
        (t["name"], t["score"], t["output"]) for t in first["tests"]]


def test_grade_of_a_missing_path_exits_2_with_one_paragraph(tmp_path):
    run = grader("grade", tmp_path / "nope.py", "--out", tmp_path / "out")
    assert run.returncode == 2
    assert "does not exist" in run.stderr and "Traceback" not in run.stderr, run.stderr


def test_grade_of_a_folder_without_ops_py_scores_0_and_exits_0(tmp_path):
    (tmp_path / "empty").mkdir()
    run = grader("grade", tmp_path / "empty", "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["score"] == 0 and "no ops.py" in data["output"], data["output"]


def test_student_view_of_the_starter_is_a_table_without_tracebacks():
    run = grader("test")
    assert run.returncode == 1
    assert "Estimated score: 0 / 60" in run.stdout, run.stdout
    assert "sigmoid.forward is not implemented yet" in run.stdout, run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_rubric_sums_to_100_with_60_public_points():
    run = grader("rubric", "--json")
    tests = json.loads(run.stdout)
    assert sum(t["points"] for t in tests) == 100
    assert sum(t["points"] for t in tests if not t["hidden"]) == 60
    assert all(t["points"] > 0 and t["check"] for t in tests), tests


def test_every_command_has_help():
    for args in ([], ["test"], ["grade"], ["grade-all"], ["rubric"], ["gradebook"]):
        run = grader(*args, "--help")
        assert run.returncode == 0 and "usage:" in run.stdout, (args, run.stderr)


def test_committed_reference_runs_match_the_reference_ops(monkeypatch, tmp_path):
    """Every reference run (public and private) is what the reference ops give now."""
    from instructor import reference

    runs = [(folder, name, config) for folder, name, config in reference.RUNS]
    monkeypatch.setattr(reference, "RUNS", [(str(tmp_path / str(n)), name, config)
                                            for n, (_, name, config) in enumerate(runs)])
    reference.make_reference()
    for n, (folder, name, _) in enumerate(runs):
        fresh = json.loads((tmp_path / str(n) / f"{name}.json").read_text())
        committed = json.loads((Path(folder) / f"{name}.json").read_text())
        same = (fresh["config"] == committed["config"]
                and fresh["losses"] == pytest.approx(committed["losses"], rel=1e-9)
                and fresh["purity"] == pytest.approx(committed["purity"]))
        assert same, (
            f"{folder}/{name}.json is stale (data/toy or hw3.train changed?): run "
            "`python -m instructor reference` and commit the result")


def test_files_planted_in_the_output_folder_during_grading_are_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the instructor's own file\n")
    src = SOLUTION.read_text() + (
        "\nimport pathlib as _p\n"
        f"_p.Path({str(out)!r}, 'planted.json').write_text('fake')\n"
        f"_p.Path({str(out)!r}, 'sub').mkdir(exist_ok=True)\n"
        f"_p.Path({str(out)!r}, 'sub', 'results.json').write_text('fake')\n")
    (tmp_path / "ops.py").write_text(src)
    run = grader("grade", tmp_path / "ops.py", "--out", out, "--public-only")
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "results.json"]


# --------------------------------------------------------------------------- isolation
WARNING = "grading isolation is incomplete"
HOST = ROOT / "tests" / "isolation" / "host.py"


def without_namespaces(*args) -> subprocess.CompletedProcess:
    """`python -m grader ARGS` on a host like Gradescope's container (namespaces refused,
    Docker's capabilities, no Landlock: tests/isolation/host.py) in this repository,
    whose instructor/ and grader/ are readable by everyone: the second-user route holds
    all but the secrets, so the grader must warn.  Needs root."""
    import os

    if os.geteuid() != 0:
        pytest.skip("needs root (the host simulation drops root's powers)")
    return subprocess.run([sys.executable, str(HOST), "--no-landlock", "--", sys.executable,
                           "-m", "grader", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_results_carry_no_isolation_warning_where_the_sandbox_confines(batch):
    _, _, out, run = batch
    assert WARNING not in run.stderr + run.stdout
    assert WARNING not in results(out, "ada")["output"]


def test_grade_all_warns_in_its_output_and_every_results_json_without_isolation(tmp_path):
    (tmp_path / "subs" / "alice").mkdir(parents=True)  # no ops.py: graded at once
    run = without_namespaces("grade-all", tmp_path / "subs", "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    assert WARNING in run.stderr and "Gradescope bundle" in run.stderr, run.stderr
    data = results(tmp_path / "out", "alice")
    staff = data["extra_data"]["hw3"]["isolation"]  # where staff read it
    assert WARNING in staff and "without instructor/" in staff, staff
    assert WARNING not in data["output"], data["output"]  # students never see it


def test_grade_warns_on_stderr_and_in_results_json_without_isolation(tmp_path):
    run = without_namespaces("grade", STARTER, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    assert WARNING in run.stderr and "Gradescope bundle" in run.stderr, run.stderr
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert WARNING in data["extra_data"]["hw3"]["isolation"]  # where staff read it
    assert WARNING not in data["output"], data["output"]  # students never see it


CHEAT = '''"""Delegates to the reference solution (the audit's reproduction)."""
import importlib.util, os
import edugrad
_root = os.path.dirname(os.path.dirname(os.path.abspath(edugrad.__file__)))
_spec = importlib.util.spec_from_file_location(
    "_ref", os.path.join(_root, "instructor", "solution", "ops.py"))
_ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ref)
sigmoid, log, multiply, dot = _ref.sigmoid, _ref.log, _ref.multiply, _ref.dot
'''


def test_delegating_to_the_solution_scores_0_as_root_without_cap_sys_admin(tmp_path):
    import os

    if os.geteuid() != 0 or not shutil.which("capsh"):
        pytest.skip("needs root and capsh")
    (tmp_path / "cheat.py").write_text(CHEAT)
    run = subprocess.run([shutil.which("capsh"), "--drop=cap_sys_admin", "--", "-c",
                          f"{sys.executable} -m grader grade {tmp_path / 'cheat.py'} "
                          f"--out {tmp_path / 'out'}"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads((tmp_path / "out" / "results.json").read_text())
    assert data["score"] == 0, [t["name"] for t in data["tests"] if t["status"] == "passed"]


# --------------------------------------------------------------------------- grade-all
def test_grade_all_grades_entries_whose_names_are_not_utf8(tmp_path):
    import os

    subs = tmp_path / "subs"
    subs.mkdir()
    for name in (b"caf\xe9", b"b\xff", b"b\xfe", b"zed"):  # folders without an ops.py
        os.mkdir(os.path.join(os.fsencode(subs), name))
    run = grader("grade-all", subs, "--out", tmp_path / "out")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open(encoding="utf-8")))
    assert sorted(r["student"] for r in rows) == sorted(
        ["caf\ufffd", "b\ufffd", "b\ufffd~2", "zed"]), rows
    assert all((tmp_path / "out" / r["student"] / "results.json").is_file() for r in rows)


def test_grade_all_again_over_names_that_are_not_utf8_skips_them(tmp_path):
    import os

    subs = tmp_path / "subs"
    subs.mkdir()
    os.mkdir(os.path.join(os.fsencode(subs), b"caf\xe9"))
    assert grader("grade-all", subs, "--out", tmp_path / "out").returncode == 0
    run = grader("grade-all", subs, "--out", tmp_path / "out")
    assert run.returncode == 0 and "1 up to date, grading 0" in run.stdout, (
        run.stdout + run.stderr[-2000:])


def test_a_grading_timeout_is_tagged_as_a_grader_error_not_no_submission(tmp_path):
    from grader import batch as batch_module

    status, data = batch_module.grade_entry(str(STARTER), timeout=0.01)
    assert status == "error" and data["tests"][0]["name"] == batch_module.ERROR_TEST, data
    assert data["score"] == 0 and "longer than" in data["output"]
    batch_module.write_json(str(tmp_path / "results.json"), data)
    assert batch_module.finished(str(tmp_path)) is None


def test_grade_all_grades_again_a_student_whose_grading_failed(tmp_path):
    from grader import batch as batch_module

    (tmp_path / "subs" / "alice").mkdir(parents=True)
    batch_module.write_json(str(tmp_path / "out" / "alice" / "results.json"),
                            batch_module.error_results("the grader timed out"))
    run = grader("grade-all", tmp_path / "subs", "--out", tmp_path / "out")
    assert run.returncode == 0 and "0 up to date, grading 1" in run.stdout, run.stdout
    assert "its grading failed last time: 1" in run.stdout, run.stdout
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert [(r["student"], r["status"]) for r in rows] == [("alice", "no-submission")]


def test_grade_all_reports_a_symlinked_entry_as_no_submission(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "mallory.py").symlink_to(SOLUTION)
    run = grader("grade-all", tmp_path / "subs", "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr[-2000:]
    data = results(tmp_path / "out", "mallory")
    assert data["score"] == 0 and "symbolic link" in data["output"], data["output"]
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert [(r["student"], r["status"]) for r in rows] == [("mallory", "no-submission")]
