"""The gradebook: it cannot go stale, it is never lost, and it has the columns
instructors use (grader/gradebook.py, grader/results.py, grade-all, fanout merge).

Most tests use results built from the registry (as `grade` writes them) or a copy of
the class graded once per session (tests/conftest.py, ``graded_class``).  Re-grading
tests use entries without an ops.py (graded in a blink): what is regraded depends
on hashes, not on what grading finds.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from grader import batch, gradebook, stamp
from grader import results as res
from grader.cli import UsageError
from hw3 import registry
from instructor import fanout

ROOT = Path(__file__).resolve().parents[2]


def grader(*args, umask: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          preexec_fn=None if umask is None else lambda: os.umask(umask))


def made(passed=None, **record) -> dict:
    """A results.json as `grade` writes it; ``passed``: indices of passed tests (all)."""
    tests = []
    for i, (name, points, op, category) in enumerate(res.rubric_tests()):
        ok = passed is None or i in passed
        tests.append({"name": name, "score": points if ok else 0.0, "max_score": points,
                      "status": "passed" if ok else "failed", "output": "",
                      "extra_data": {"op": op, "category": category}})
    rec = {"status": "graded", "rubric_hash": stamp.rubric_hash(),
           "grader_version": stamp.grader_version(), "submission_sha256": "aa",
           "hidden_tests": True, **record}
    return {"score": sum(t["score"] for t in tests), "max_score": float(registry.TOTAL),
            "tests": tests, "extra_data": {"hw3": rec}}


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def copy_of(graded_class, tmp_path) -> tuple[Path, Path]:
    subs, out, _ = graded_class
    shutil.copytree(out, tmp_path / "grades")
    return subs, tmp_path / "grades"


# --------------------------------------------------------------------------- columns
def test_grades_csv_columns_are_score_status_ops_categories_adjustments_final(graded_class):
    _, out, _ = graded_class
    header = (out / "grades.csv").read_text().splitlines()[0].split(",")
    assert header == ["student", "score", "max_score", "status", "sigmoid", "log", "multiply",
                      "dot", "forward", "backward", "properties", "training", "adjustments",
                      "final", "adjustment_reasons"]


def test_per_op_and_per_category_points_each_add_up_to_the_score(graded_class):
    _, out, _ = graded_class
    wrong = []
    for r in rows(out / "grades.csv"):
        ops = sum(float(r[op]) for op in registry.NAMES) + float(r["training"])
        cats = sum(float(r[c]) for c in registry.CATEGORIES)
        if abs(ops - float(r["score"])) > 1e-9 or abs(cats - float(r["score"])) > 1e-9:
            wrong.append((r["student"], r["score"], ops, cats))
    assert not wrong, wrong


def test_a_wrong_sigmoid_backward_loses_points_in_the_sigmoid_and_backward_columns(graded_class):
    _, out, _ = graded_class
    by = {r["student"]: r for r in rows(out / "grades.csv")}
    ada, bea = by["ada"], by["bea"]
    assert float(bea["sigmoid"]) < float(ada["sigmoid"])
    assert float(bea["backward"]) < float(ada["backward"])
    assert [bea[op] for op in ("log", "multiply", "dot")] == [ada[op] for op in
                                                              ("log", "multiply", "dot")]


def test_statuses_say_graded_no_submission_or_error(graded_class):
    _, out, _ = graded_class
    by = {r["student"]: r["status"] for r in rows(out / "grades.csv")}
    assert by["ada"] == "graded" and by["nobody"] == "no-submission", by


def test_every_results_json_records_submission_grader_and_rubric(graded_class):
    subs, out, _ = graded_class
    record = res.record(json.loads((out / "ada" / "results.json").read_text()))
    assert record["submission_sha256"] == stamp.submission_sha256(str(subs / "ada.tar.gz"))
    assert record["grader_version"] == stamp.grader_version()
    assert record["rubric_hash"] == stamp.rubric_hash()
    assert record["status"] == "graded"


def test_files_are_group_readable_when_the_umask_is_002(graded_class):
    _, out, _ = graded_class  # graded under umask 002
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [out / "grades.csv", out / "ada" / "results.json", out / "ada"]}
    assert modes == {"grades.csv": 0o664, "ada/results.json": 0o664, "ada": 0o775}, {
        k: oct(v) for k, v in modes.items()}


def test_gradebook_files_and_kept_copies_honour_the_umask(graded_class, tmp_path):
    _, out = copy_of(graded_class, tmp_path)
    (out / "adjustments.csv").write_text("student,points,reason\nbea,-5,late\n")
    run = grader("gradebook", out, umask=0o007)
    assert run.returncode == 0, run.stderr
    kept = next((out / ".history").iterdir())
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in (out / "grades.csv", kept)}
    assert set(modes.values()) == {"0o660"}, modes


# --------------------------------------------------------------------------- staleness
def archive(path: Path, text: str) -> None:
    """A hand-in archive without an ops.py (graded at once, as no-submission)."""
    note = path.parent / "notes.txt"
    note.write_text(text)
    with tarfile.open(path, "w:gz") as tf:
        tf.add(note, arcname="notes.txt")
    note.unlink()


@pytest.fixture(scope="module")
def two_graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two")
    subs, out = tmp / "subs", tmp / "out"
    subs.mkdir()
    archive(subs / "xena.tar.gz", "first version")
    (subs / "yuri").mkdir()
    run = grader("grade-all", subs, "--out", out)
    assert run.returncode == 0 and "grading 2" in run.stdout, run.stdout + run.stderr
    return subs, out


@pytest.fixture
def small_class(two_graded, tmp_path):
    """A copy of two students graded by grade-all: xena (an archive), yuri (a folder)."""
    for part in two_graded:
        shutil.copytree(part, tmp_path / part.name)
    return tmp_path / "subs", tmp_path / "out"


def test_replacing_an_archive_regrades_only_that_student(small_class):
    subs, out = small_class
    yuri = (out / "yuri" / "results.json").read_bytes()
    archive(subs / "xena.tar.gz", "second version")
    run = grader("grade-all", subs, "--out", out)
    assert run.returncode == 0, run.stderr
    assert "1 up to date, grading 1 with 1 job(s) (the submission changed: 1)" in run.stdout, \
        run.stdout
    assert "] xena:" in run.stdout and "] yuri:" not in run.stdout, run.stdout
    recorded = res.record(json.loads((out / "xena" / "results.json").read_text()))
    assert recorded["submission_sha256"] == stamp.submission_sha256(str(subs / "xena.tar.gz"))
    assert (out / "yuri" / "results.json").read_bytes() == yuri


def test_restoring_an_older_archive_regrades_it_again(small_class, tmp_path):
    subs, out = small_class
    old = tmp_path / "old.tar.gz"
    shutil.copyfile(subs / "xena.tar.gz", old)
    archive(subs / "xena.tar.gz", "second version")
    assert grader("grade-all", subs, "--out", out).returncode == 0
    shutil.copyfile(old, subs / "xena.tar.gz")  # the older hand-in is back
    run = grader("grade-all", subs, "--out", out)
    assert "grading 1 with 1 job(s) (the submission changed: 1)" in run.stdout, run.stdout
    recorded = res.record(json.loads((out / "xena" / "results.json").read_text()))
    assert recorded["submission_sha256"] == stamp.submission_sha256(str(old))


def test_only_regrades_the_students_named_even_when_up_to_date(small_class):
    subs, out = small_class
    run = grader("grade-all", subs, "--out", out, "--only", "yuri")
    assert "1 up to date, grading 1 with 1 job(s) (--only: 1)" in run.stdout, run.stdout
    assert "] yuri:" in run.stdout and "] xena:" not in run.stdout, run.stdout


def test_only_with_an_unknown_id_is_an_error_naming_it(small_class):
    subs, out = small_class
    run = grader("grade-all", subs, "--out", out, "--only", "zed")
    assert run.returncode == 2 and "--only zed: no such student" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_force_regrades_everyone(small_class):
    subs, out = small_class
    run = grader("grade-all", subs, "--out", out, "--force")
    assert "0 up to date, grading 2 with 1 job(s) (--force: 2)" in run.stdout, run.stdout


def plan_with(out: Path, subs: Path, data_for) -> list[tuple[str, str]]:
    """(id, why) grade-all would regrade, each student's results.json being
    ``data_for(id, current record)``."""
    todo = batch.entries(str(subs))
    for sid, path in todo:
        batch.write_json(str(out / sid / "results.json"), data_for(sid, res.current(path)))
    _, pending = batch.plan(todo, str(out))
    return [(sid, why) for sid, _, why in pending]


@pytest.fixture
def three(tmp_path):
    subs = tmp_path / "subs"
    for sid in ("amy", "ben", "cat"):
        (subs / sid).mkdir(parents=True)
        (subs / sid / "ops.py").write_text(f"# {sid}\n")
    return subs, tmp_path / "out"


def test_nothing_is_regraded_when_submission_grader_and_rubric_are_unchanged(three):
    subs, out = three
    assert plan_with(out, subs, lambda sid, now: made(**now)) == []


def test_a_changed_rubric_regrades_everyone(three):
    subs, out = three
    found = plan_with(out, subs, lambda sid, now: made(**{**now, "rubric_hash": "0ld"}))
    assert found == [(s, "the rubric changed") for s in ("amy", "ben", "cat")]


def test_a_changed_grader_regrades_everyone(three):
    subs, out = three
    found = plan_with(out, subs, lambda sid, now: made(**{**now, "grader_version": "0ld"}))
    assert found == [(s, "the grader changed") for s in ("amy", "ben", "cat")]


def test_a_grader_failure_and_a_result_not_matching_the_rubric_are_regraded(three):
    subs, out = three

    def data(sid, now):
        if sid == "amy":
            return {**res.error_results("timed out"), "extra_data": {"hw3": {**now,
                                                                              "status": "error"}}}
        return made(**now) | ({"score": 99.0} if sid == "ben" else {})
    found = plan_with(out, subs, data)
    assert found[0] == ("amy", "its grading failed last time")
    assert found[1][0] == "ben" and "does not match the rubric" in found[1][1], found
    assert len(found) == 2


def test_results_written_before_records_existed_are_regraded(three):
    subs, out = three
    found = plan_with(out, subs, lambda sid, now: {**made(), "extra_data": {}})
    assert {why for _, why in found} == {
        "graded before results recorded what they were graded with"}


# --------------------------------------------------------------------------- never lost
def change_a_weight(monkeypatch) -> None:
    """Move one point per op from forward_values to laws (the total stays 100)."""
    for key, delta in (("forward_values", -1), ("laws", +1)):
        check = registry.CHECKS_BY_KEY[key]
        monkeypatch.setitem(registry.CHECKS_BY_KEY, key,
                            dataclasses.replace(check, public=check.public + delta))
    stamp.rubric_hash.cache_clear()
    assert registry.total() == registry.TOTAL


@pytest.fixture
def weight_changed(monkeypatch):
    change_a_weight(monkeypatch)
    yield
    monkeypatch.undo()
    stamp.rubric_hash.cache_clear()


def test_merge_after_a_weight_change_refuses_and_keeps_grades_csv(graded_class, tmp_path,
                                                                  weight_changed, capsys):
    subs, out = copy_of(graded_class, tmp_path)
    listing = tmp_path / "grade_list.txt"
    fanout.write_list(str(subs), str(listing))
    before = (out / "grades.csv").read_bytes()
    assert fanout.main(["merge", "--out", str(out), "--list", str(listing)]) == 1
    assert (out / "grades.csv").read_bytes() == before
    assert not (out / ".history").exists()
    err = capsys.readouterr().err
    assert "graded with another rubric" in err and "left as it was" in err, err
    assert err.count("\n") == 1, err  # one paragraph


def test_grade_all_after_a_weight_change_regrades_everyone(graded_class, weight_changed):
    subs, out, _ = graded_class
    _, pending = batch.plan(batch.entries(str(subs)), str(out))
    assert {why for *_, why in pending} == {"the rubric changed"}
    assert len(pending) == len(batch.entries(str(subs)))


def test_merge_writes_the_same_grades_csv_as_grade_all(graded_class, tmp_path):
    subs, out = copy_of(graded_class, tmp_path)
    (out / "grades.csv").unlink()
    listing = tmp_path / "grade_list.txt"
    fanout.write_list(str(subs), str(listing))
    assert fanout.main(["merge", "--out", str(out), "--list", str(listing)]) == 0
    assert (out / "grades.csv").read_bytes() == (graded_class[1] / "grades.csv").read_bytes()


def test_a_gradebook_from_a_result_of_another_rubric_is_refused(tmp_path):
    (tmp_path / "grades.csv").write_text("old\n")
    results = {"amy": made(), "ben": made(rubric_hash="0ld")}
    with pytest.raises(gradebook.Refused, match=r"ben: it was graded with another rubric"):
        gradebook.write(str(tmp_path), results)
    assert (tmp_path / "grades.csv").read_text() == "old\n"


def test_a_gradebook_from_a_score_that_is_not_the_sum_of_its_tests_is_refused(tmp_path):
    results = {"amy": made() | {"score": 42.0}}
    with pytest.raises(gradebook.Refused, match=r"amy: its score 42 is not the sum"):
        gradebook.write(str(tmp_path), results)
    assert not (tmp_path / "grades.csv").exists()


def test_a_gradebook_from_tests_that_are_not_the_registrys_is_refused(tmp_path):
    data = made()
    data["tests"][0]["max_score"] += 1
    data["tests"][0]["score"] += 1
    data["score"] += 1
    data["max_score"] += 1
    with pytest.raises(gradebook.Refused, match=r"its tests are not the rubric's \(.* is worth"):
        gradebook.write(str(tmp_path), {"amy": data})


def test_grade_all_refuses_a_gradebook_when_a_fresh_result_does_not_match(tmp_path,
                                                                        monkeypatch, capsys):
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.csv").write_text("the gradebook of last week\n")
    monkeypatch.setattr(batch, "grade_entry", lambda *a, **k: ("graded", made() | {"score": 1}))
    assert batch.grade_all(str(tmp_path / "subs"), str(out)) == 1
    assert (out / "grades.csv").read_text() == "the gradebook of last week\n"
    assert "Not writing" in capsys.readouterr().err


def test_a_changed_gradebook_keeps_the_previous_one_in_history(tmp_path):
    gradebook.write(str(tmp_path), {"amy": made()})
    first = (tmp_path / "grades.csv").read_bytes()
    written = gradebook.write(str(tmp_path), {"amy": made(passed={0})})
    assert [Path(p).read_bytes() for p in written.kept] == [first]
    assert Path(written.kept[0]).parent == tmp_path / ".history"
    assert (tmp_path / "grades.csv").read_bytes() != first


def test_an_unchanged_gradebook_keeps_no_copy(tmp_path):
    gradebook.write(str(tmp_path), {"amy": made()})
    assert gradebook.write(str(tmp_path), {"amy": made()}).kept == []
    assert not (tmp_path / ".history").exists()


def test_a_student_named_like_a_gradebook_file_gets_another_id(tmp_path):
    (tmp_path / "grades.csv").mkdir()  # a folder: a student entry
    (tmp_path / "canvas.csv").mkdir()
    assert [sid for sid, _ in batch.entries(str(tmp_path))] == ["canvas.csv~2", "grades.csv~2"]


# --------------------------------------------------------------------------- adjustments
def test_adjustments_are_added_in_final_and_reported(graded_class, tmp_path):
    _, out = copy_of(graded_class, tmp_path)
    adj = tmp_path / "adj.csv"
    adj.write_text("student,points,reason\nbea,-5,late by one day\nbea,2,regrade request #4\n"
                   "dan,3,\"extension, approved\"\n")
    run = grader("gradebook", out, "--adjustments", adj)
    assert run.returncode == 0, run.stderr
    by = {r["student"]: r for r in rows(out / "grades.csv")}
    assert (by["bea"]["adjustments"], by["dan"]["adjustments"], by["ada"]["adjustments"]) == (
        "-3", "3", "0")
    assert float(by["bea"]["final"]) == float(by["bea"]["score"]) - 3
    assert by["bea"]["adjustment_reasons"] == "-5: late by one day; 2: regrade request #4"
    assert "bea -3 (late by one day; regrade request #4)" in run.stdout, run.stdout
    assert "previous version kept: " in run.stdout


def test_final_never_goes_below_zero():
    row = gradebook.row("amy", made(passed=set()))
    row.adjustments = [(-10.0, "late")]
    assert (row.score, row.final) == (0.0, 0.0)


def test_adjustments_for_unknown_students_are_an_error_naming_them(tmp_path):
    adj = tmp_path / "adj.csv"
    adj.write_text("student,points,reason\namy,-5,late\nzed,3,typo\nbob,1,\n")
    with pytest.raises(UsageError, match=r"unknown student id\(s\) 'zed' \(line 3\), 'bob' "
                                         r"\(line 4\)"):
        gradebook.read_adjustments(str(adj), ["amy"])


def test_adjustment_points_that_are_no_number_are_an_error_naming_the_line(tmp_path):
    adj = tmp_path / "adj.csv"
    adj.write_text("student,points,reason\namy,five,late\n")
    with pytest.raises(UsageError, match=r"line 2: points 'five' is not a number"):
        gradebook.read_adjustments(str(adj), ["amy"])


def test_an_adjustments_file_without_its_header_is_an_error_saying_what_it_needs(tmp_path):
    adj = tmp_path / "adj.csv"
    adj.write_text("amy,-5,late\n")
    with pytest.raises(UsageError, match=r"no student, points column .* student,points,reason"):
        gradebook.read_adjustments(str(adj), ["amy"])


def test_grade_all_checks_the_adjustments_before_grading_anyone(tmp_path):
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    adj = tmp_path / "adj.csv"
    adj.write_text("student,points,reason\nzed,3,typo\n")
    run = grader("grade-all", tmp_path / "subs", "--out", tmp_path / "out",
                 "--adjustments", adj)
    assert run.returncode == 2 and "'zed' (line 2)" in run.stderr, run.stderr
    assert not (tmp_path / "out" / "amy").exists()


def test_an_adjustments_file_in_the_graded_folder_is_used_without_the_option(tmp_path):
    gradebook.write(str(tmp_path), {"amy": made()})
    (tmp_path / "adjustments.csv").write_text("student,points,reason\namy,-1,late\n")
    adj, _ = gradebook.inputs(str(tmp_path), ["amy"], None, None)
    assert adj == {"amy": [(-1.0, "late")]}


# --------------------------------------------------------------------------- Canvas
CANVAS_HEADER = "Student,ID,SIS User ID,SIS Login ID,Section"


def roster_of(ids, extra=()) -> str:
    lines = [f"{CANVAS_HEADER},student"]
    for n, sid in enumerate([*ids, *extra], 1):
        lines.append(f"\"{sid.title()}, Student\",{1000 + n},{2000 + n},{sid}@uw.edu,LING 575,"
                     f"{sid}")
    return "\n".join(lines) + "\n"


def test_canvas_export_has_canvas_columns_points_possible_and_final(graded_class, tmp_path):
    _, out = copy_of(graded_class, tmp_path)
    ids = [r["student"] for r in rows(out / "grades.csv")]
    (tmp_path / "roster.csv").write_text(roster_of(ids, extra=["zoe"]))
    (tmp_path / "adj.csv").write_text("student,points,reason\nbea,-5,late\n")
    run = grader("gradebook", out, "--roster", tmp_path / "roster.csv", "--adjustments",
                 tmp_path / "adj.csv", "--assignment", "HW3 (4321)")
    assert run.returncode == 0, run.stderr
    text = (out / "canvas.csv").read_text()
    lines = text.splitlines()
    assert lines[0] == f"{CANVAS_HEADER},HW3 (4321)"
    assert lines[1] == "Points Possible,,,,,100"
    exported = {r["SIS Login ID"]: r["HW3 (4321)"] for r in
                csv.DictReader(text.splitlines()[:1] + text.splitlines()[2:])}
    finals = {r["student"] + "@uw.edu": r["final"] for r in rows(out / "grades.csv")}
    assert exported == {**finals, "zoe@uw.edu": ""}  # zoe handed nothing in: left alone
    assert float(exported["bea@uw.edu"]) == float(finals["bea@uw.edu"])


def test_a_graded_student_missing_from_the_roster_is_an_error_naming_them(tmp_path):
    (tmp_path / "roster.csv").write_text(roster_of(["amy"]))
    with pytest.raises(gradebook.RosterIncomplete, match=r"missing from the roster "
                                                         r"\(column student\): ben"):
        gradebook.read_roster(str(tmp_path / "roster.csv"), ["amy", "ben"])


def test_a_student_missing_from_the_roster_keeps_only_canvas_csv_from_being_written(
        graded_class, tmp_path):
    """One new submitter not yet on the roster must not stop a whole class's grading:
    grades.csv is written, canvas.csv is not (and the warning says how to get it)."""
    subs, out = copy_of(graded_class, tmp_path)
    students = sorted(p.parent.name for p in out.glob("*/results.json"))
    (out / "roster.csv").write_text(roster_of(students[1:]))
    (out / "grades.csv").unlink()
    run = grader("gradebook", out)
    assert run.returncode == 1 and "canvas.csv was not written" in run.stderr, run.stderr
    assert f"missing from the roster (column student): {students[0]}" in run.stderr
    assert (out / "grades.csv").is_file() and not (out / "canvas.csv").exists()


def test_canvas_own_export_works_as_a_roster_keyed_by_sis_login_id(tmp_path):
    (tmp_path / "export.csv").write_text(
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,HW1 (11)\n"
        "    Points Possible,,,,,10\n"
        "\"Lee, Amy\",7,123,amy,LING 575,9\n")
    roster = gradebook.read_roster(str(tmp_path / "export.csv"), ["amy"])
    assert roster == [{"Student": "Lee, Amy", "ID": "7", "SIS User ID": "123",
                       "SIS Login ID": "amy", "Section": "LING 575", "key": "amy"}]


def test_a_roster_without_canvas_ids_is_an_error_saying_which_columns_it_needs(tmp_path):
    (tmp_path / "roster.csv").write_text("student,name\namy,Amy\n")
    with pytest.raises(UsageError, match=r"one of Canvas's ID, SIS User ID or SIS Login ID"):
        gradebook.read_roster(str(tmp_path / "roster.csv"), ["amy"])


def test_gradebook_of_a_folder_without_results_says_to_grade_first(tmp_path):
    run = grader("gradebook", tmp_path)
    assert run.returncode == 2 and "grade first" in run.stderr, run.stderr


def test_merge_warns_about_grades_whose_submission_changed_since(graded_class, tmp_path, capsys):
    subs, out = copy_of(graded_class, tmp_path)
    shutil.copytree(subs, tmp_path / "subs")
    with open(tmp_path / "subs" / "bea.py", "a") as f:
        f.write("# handed in again after the jobs ran\n")
    listing = tmp_path / "grade_list.txt"
    fanout.write_list(str(tmp_path / "subs"), str(listing))
    assert fanout.main(["merge", "--out", str(out), "--list", str(listing)]) == 0
    err = capsys.readouterr().err
    assert "graded before a change" in err and "bea (the submission changed)" in err, err
    assert "cal" not in err


# --------------------------------------------------------------------------- co-TAs
def test_a_second_command_on_a_folder_in_use_stops_at_once_saying_who_holds_it(small_class):
    subs, out = small_class
    with gradebook.locked(str(out), "grade-all"):
        run = grader("grade-all", subs, "--out", out)
        book = grader("gradebook", out)
    assert run.returncode == 2 and "is in use: grade-all (pid" in run.stderr, run.stderr
    assert book.returncode == 2 and "is in use" in book.stderr, book.stderr
    assert grader("gradebook", out).returncode == 0  # free again


def test_the_commands_say_how_to_regrade_adjust_and_export_in_their_help():
    run = grader("grade-all", "--help")
    assert all(o in run.stdout for o in ("--only", "--force", "--adjustments", "--roster")), \
        run.stdout
    book = grader("gradebook", "--help")
    assert book.returncode == 0 and "canvas.csv" in book.stdout and ".history" in book.stdout


def test_the_files_left_out_of_the_grader_version_exist():
    """stamp.NOT_GRADING (gradebook code: editing it regrades nobody) names real files."""
    assert all((ROOT / name).is_file() for name in stamp.NOT_GRADING), stamp.NOT_GRADING


def test_a_gradescope_run_killed_before_it_finished_counts_as_an_error():
    """run_autograder's placeholder (status "unfinished") promises students the staff
    will look: the report and gradebook must list it with the errors, not as a 0."""
    placeholder = (ROOT / "instructor" / "gradescope" / "run_autograder").read_text()
    record = json.loads(placeholder.split("<<'EOF'\n", 1)[1].split("\nEOF", 1)[0])
    assert res.status_of(record) == "error"


def test_two_entries_of_one_student_are_refused_before_anything_is_graded(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "ops.py").write_text("# ops\n")
    (subs / "alice.py").write_text("# ops\n")
    run = grader("grade-all", subs, "--out", out)
    assert run.returncode == 2 and "alice and alice.py: two entries for the same student" \
        in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and not out.exists()


@pytest.mark.parametrize("inside", [True, False], ids=["out-in-subs", "out-is-subs"])
def test_an_out_folder_overlapping_the_submissions_is_refused(tmp_path, inside):
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / "ops.py").write_text("# ops\n")
    out = subs / "grades" if inside else subs
    run = grader("grade-all", subs, "--out", out)
    assert run.returncode == 2 and "overlap" in run.stderr, run.stderr
    assert sorted(p.name for p in subs.iterdir()) == ["bob"]


@pytest.mark.parametrize("damage, why", [("delete", "results.json is missing"),
                                         ("truncate", "results.json is not readable JSON")])
def test_a_student_whose_results_json_is_gone_or_broken_stops_the_gradebook(
        graded_class, tmp_path, damage, why):
    """`make gradebook` never writes a gradebook without a student it had: the old one
    stands, and the message names the student, why, and the command that fixes it."""
    subs, out = copy_of(graded_class, tmp_path)
    before = (out / "grades.csv").read_bytes()
    victim = sorted(p.parent.name for p in out.glob("*/results.json"))[0]
    target = out / victim / "results.json"
    target.unlink() if damage == "delete" else target.write_text('{"score": 10')
    run = grader("gradebook", out)
    assert run.returncode != 0 and f"{victim}: its {why}" in run.stderr, run.stderr
    assert f"--only {victim}" in run.stderr and "restore hw3/registry.py" not in run.stderr
    assert (out / "grades.csv").read_bytes() == before


def test_ctrl_c_during_grade_all_says_what_was_kept_and_how_to_finish(monkeypatch, capsys,
                                                                      tmp_path):
    from grader import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "grade_all", interrupted)
    assert cli.main(["grade-all", str(tmp_path), "--out", str(tmp_path / "out")]) == 130
    err = capsys.readouterr().err
    assert "keep their results in" in err and "Run the same command again" in err, err


def test_grade_all_names_results_in_out_that_no_longer_have_an_entry(tmp_path):
    """A student whose entry left SUBMISSIONS is not in grades.csv but still in the
    report: grade-all says so instead of letting the two views of the class differ."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    for sid in ("amy", "ben"):
        (subs / sid).mkdir(parents=True)  # no ops.py: graded at once, as no-submission
    assert grader("grade-all", subs, "--out", out).returncode == 0
    (subs / "ben").rmdir()
    run = grader("grade-all", subs, "--out", out)
    assert run.returncode == 0, run.stderr
    assert "also holds results with no entry" in run.stdout and "(ben)" in run.stdout, run.stdout
    assert [r["student"] for r in rows(out / "grades.csv")] == ["amy"]
