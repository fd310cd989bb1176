"""The grader's commands end to end: full marks for the reference, zero for the
starter, repeatable scores, Gradescope results, grade-all resumability.

Runs `python -m grader` in subprocesses, as instructors and students do.  One
grade-all run over three entries (the reference as a `make submit`-style archive,
the untouched starter as a folder, a buggy ops.py) is shared by most tests.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "grader" / "solution" / "ops.py"
STARTER = ROOT / "starter" / "ops.py"
GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


def grader(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def buggy_source() -> str:
    src = SOLUTION.read_text()
    wrong = src.replace("return (grad_output * out * (1 - out),)", "return (out * (1 - out),)")
    assert wrong != src, "the reference's sigmoid.backward changed; update this test"
    return wrong


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade-all")
    subs = tmp / "subs"
    subs.mkdir()
    with tarfile.open(subs / "ref.tar.gz", "w:gz") as tf:  # like `make submit`
        tf.add(SOLUTION, arcname="ops.py")
    (subs / "stub").mkdir()
    shutil.copyfile(STARTER, subs / "stub" / "ops.py")
    (subs / "bug.py").write_text(buggy_source())
    out = tmp / "out"
    run = grader("grade-all", subs, "--out", out, "-j", "2")
    return tmp, subs, out, run


def results(out: Path, sid: str) -> dict:
    return json.loads((out / sid / "results.json").read_text())


def test_grade_all_exits_zero(batch):
    _, _, _, run = batch
    assert run.returncode == 0, run.stderr[-2000:]


def test_reference_archive_scores_100(batch):
    _, _, out, _ = batch
    data = results(out, "ref")
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
    data = results(out, "bug")
    lost = [t for t in data["tests"] if t["status"] == "failed"]
    assert data["score"] < 100
    assert any("forgot the upstream gradient" in t["output"] for t in lost), [
        t["output"][:200] for t in lost]
    assert all(t["name"].startswith(("sigmoid", "training")) for t in lost), [
        t["name"] for t in lost]


def test_results_json_follows_the_gradescope_schema(batch):
    _, _, out, _ = batch
    data = results(out, "ref")
    assert {"score", "max_score", "execution_time", "output", "tests"} <= set(data)
    assert data["max_score"] == 100
    for t in data["tests"]:
        assert set(t) >= GRADESCOPE_TEST_KEYS, t
        assert t["status"] in ("passed", "failed") and 0 <= t["score"] <= t["max_score"]
        assert t["visibility"] in ("visible", "after_published")
    assert sum(t["max_score"] for t in data["tests"]) == 100


def test_grades_csv_has_one_row_per_student(batch):
    _, _, out, _ = batch
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert {r["student"]: float(r["score"]) for r in rows} == {
        "bug": results(out, "bug")["score"], "ref": 100.0, "stub": 0.0}


def test_grade_all_again_skips_finished_students_and_keeps_scores(batch):
    _, subs, out, _ = batch
    before = (out / "grades.csv").read_text()
    run = grader("grade-all", subs, "--out", out)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "3 already graded, grading 0" in run.stdout, run.stdout
    assert (out / "grades.csv").read_text() == before


def test_grading_the_same_submission_twice_gives_identical_results(batch):
    tmp, subs, out, _ = batch
    run = grader("grade", subs / "bug.py", "--out", tmp / "again")
    assert run.returncode == 0, run.stderr[-2000:]
    first, again = results(out, "bug"), json.loads((tmp / "again" / "results.json").read_text())
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
    assert all(t["points"] > 0 and t["item"] != "unweighted" for t in tests), [
        t["name"] for t in tests if t["points"] <= 0 or t["item"] == "unweighted"]


def test_every_command_has_help():
    for args in ([], ["test"], ["grade"], ["grade-all"], ["rubric"], ["reference"]):
        run = grader(*args, "--help")
        assert run.returncode == 0 and "usage:" in run.stdout, (args, run.stderr)


def test_committed_reference_runs_match_the_reference_ops(tmp_path):
    from grader import training

    training.make_reference(out_dir=str(tmp_path))
    for name in training.CONFIGS:
        fresh = json.loads((tmp_path / f"{name}.json").read_text())
        committed = training.load_reference(name)
        same = (fresh["config"] == committed["config"]
                and fresh["losses"] == pytest.approx(committed["losses"], rel=1e-9)
                and fresh["purity"] == pytest.approx(committed["purity"]))
        assert same, (
            f"grader/reference/{name}.json is stale (data/toy or hw3.train changed?): "
            "run `python -m grader reference` and commit the result")


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
