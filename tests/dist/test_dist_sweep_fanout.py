"""The sweep table and summary (hw3.sweep), and the grading fan-out (instructor.fanout)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from grader import batch, feedback, gradebook, stamp
from grader import results as res
from hw3 import registry, sweep
from instructor import fanout


def test_grid_has_every_setting_on_every_seed():
    rows = sweep.make_rows([0.025, 0.1], [50, 100], [5, 10], [2], [1, 2, 3])
    settings = {r[0]: r[1:5] for r in rows}
    assert len(settings) == 2 * 2 * 2 * 1
    for name in settings:
        assert sorted(r[5] for r in rows if r[0] == name) == [1, 2, 3], name


def test_random_search_is_reproducible_from_its_seed_and_within_bounds():
    draw = lambda seed: sweep.make_rows([0.01, 0.2], [50, 100], [5], [2, 5], [1],  # noqa: E731
                                        random=6, search_seed=seed)
    assert draw(0) == draw(0)
    assert draw(0) != draw(1)
    assert all(0.01 <= r[1] <= 0.2 and r[2] in (50, 100) for r in draw(0)), draw(0)


def test_drawn_seeds_are_distinct_saved_and_reproducible(tmp_path):
    path = tmp_path / "sweep.txt"
    assert sweep.main(["table", "--lr", "0.05", "--dim", "50", "--window", "2",
                       "--draw-seeds", "4", "--search-seed", "9", "--out", str(path)]) == 0
    seeds = [int(line.split()[-1]) for line in path.read_text().splitlines()]
    assert seeds == sweep.draw_seeds(4, 9) and len(set(seeds)) == 4, seeds


def test_table_has_only_job_lines(tmp_path):
    path = tmp_path / "sweep.txt"
    sweep.write_table(sweep.make_rows([0.05], [50], [5], [2], [7, 8]), path)
    assert path.read_text() == "lr0.05_d50_k5_w2 0.05 50 5 2 7\nlr0.05_d50_k5_w2 0.05 50 5 2 8\n"


@pytest.mark.parametrize("bad", [dict(lr=[0.0]), dict(dim=[-5]), dict(seeds=[1, 1]),
                                 dict(seeds=[])])
def test_bad_grid_values_are_refused(bad):
    args = dict(lr=[0.05], dim=[50], negatives=[5], window=[2], seeds=[1]) | bad
    with pytest.raises(sweep.UsageError):
        sweep.make_rows(**args)


def fake_run(folder: Path, lr: float, seed: int, purity: float, loss: float) -> None:
    folder.mkdir(parents=True)
    settings = {"corpus": "data/toy/corpus.txt", "lr": lr, "dim": 50, "seed": seed}
    (folder / "config.json").write_text(json.dumps({"settings": settings,
                                                     "ops": {"sha256": "ab" * 32}}))
    (folder / "metrics.json").write_text(json.dumps({
        "neighbour_purity": purity, "final_loss": loss, "vocab_size": 100,
        "similarity": {"wordsim353": {"spearman": purity / 2, "oov_rate": 0.1}}}))


def test_summary_reports_mean_and_std_over_seeds_per_setting(tmp_path):
    purities = {0.025: [0.5, 0.6, 0.7], 0.1: [0.8, 0.9, 0.95]}
    for lr, values in purities.items():
        for seed, value in enumerate(values, start=1):
            fake_run(tmp_path / f"lr{lr}" / f"seed_{seed}", lr, seed, value, 1 / value)
    columns, rows = sweep.summarise([tmp_path])
    assert columns == ["lr"]
    for row in rows:
        values = np.array(purities[row["setting"]["lr"]])
        mean, std = row["stats"]["neighbour_purity"]
        assert row["n"] == 3
        assert math.isclose(mean, values.mean()) and math.isclose(std, values.std(ddof=1))
    assert set(rows[0]["stats"]) == {"neighbour_purity", "final_loss",
                                     "similarity.wordsim353.spearman"}
    table = sweep.markdown(columns, rows)
    assert "| 0.1 | 3 |" in table and "±" in table, table


def test_summary_without_runs_says_what_to_do(tmp_path, capsys):
    assert sweep.main(["summary", str(tmp_path)]) == 2
    assert "No finished runs" in capsys.readouterr().err


@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "alice.py").write_text("# ops\n")
    (folder / "bob").mkdir()
    (folder / "bob" / "ops.py").write_text("# ops\n")
    (folder / "carol.tar.gz").write_bytes(b"")
    (folder / ".hidden").write_text("")
    return folder


def test_job_list_has_one_line_per_student_as_grade_all_sees_them(tmp_path, submissions):
    path = tmp_path / "list.txt"
    fanout.write_list(str(submissions), str(path))
    jobs, _ = fanout.read_jobs(str(path))
    assert path.read_text().split() == [j["job"] for j in jobs]
    assert [(j["id"], Path(j["path"]).name) for j in jobs] == \
        [(sid, Path(p).name) for sid, p in batch.entries(str(submissions))]


@pytest.fixture(scope="module")
def rubric():
    return [(name, points) for name, points, *_ in res.rubric_tests()]


def graded(rubric, passed: int) -> dict:
    """A results.json as `grade` writes it: the first ``passed`` rubric tests passed."""
    tests = [{"name": name, "score": points if i < passed else 0.0, "max_score": points,
              "status": "passed" if i < passed else "failed", "output": "",
              "visibility": "visible"} for i, (name, points) in enumerate(rubric)]
    return {"score": sum(t["score"] for t in tests), "max_score": registry.TOTAL * 1.0,
            "execution_time": 1.0, "output": "", "tests": tests,
            "extra_data": {"hw3": {"status": "graded", "rubric_hash": stamp.rubric_hash()}}}


def write_job_results(out: Path, job: str, data: dict) -> None:
    (out / job).mkdir(parents=True, exist_ok=True)
    (out / job / "results.json").write_text(json.dumps(data))


def test_merge_writes_the_gradebook_grade_all_writes(tmp_path, submissions, rubric):
    path = tmp_path / "list.txt"
    fanout.write_list(str(submissions), str(path))
    ids = [sid for sid, _ in batch.entries(str(submissions))]
    out = tmp_path / "grades"
    for sid, passed in zip(ids[:2], (len(rubric), 3)):  # carol's job has not finished
        write_job_results(out, sid, graded(rubric, passed))
    assert fanout.main(["merge", "--out", str(out), "--list", str(path)]) == 1  # one missing
    merged = (out / "grades.csv").read_bytes()
    # what grade-all writes at its end for the same results (a failed grading: error, 0)
    results = {sid: batch.finished(str(out / sid)) for sid in ids[:2]}
    results["carol"] = res.error_results("failed")
    mine = tmp_path / "grade-all"
    gradebook.write(str(mine), results)
    assert merged == (mine / "grades.csv").read_bytes()
    bob = sum(points for _, points in rubric[:3])
    rows = [line.split(",")[:4] for line in merged.decode().splitlines()]
    assert rows == [["student", "score", "max_score", "status"], ["alice", "100", "100", "graded"],
                    ["bob", f"{bob:g}", "100", "graded"],
                    ["carol", "0", f"{registry.TOTAL:g}", "error"]]


AWKWARD = ("o'brien.py", "van der berg", "smith, j.py", 'say "hi".py', "$(Cluster).py",
           "Ünal.py", "ünal.py")


def test_ids_condor_cannot_pass_get_safe_unique_job_ids(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in AWKWARD:
        (subs / name).write_text("# ops\n") if name.endswith(".py") else (subs / name).mkdir()
    path = tmp_path / "list.txt"
    fanout.write_list(str(subs), str(path))
    jobs, _ = fanout.read_jobs(str(path))
    assert sorted(j["id"] for j in jobs) == sorted(sid for sid, _ in batch.entries(str(subs)))
    names = path.read_text().split("\n")[:-1]
    assert names == [j["job"] for j in jobs] and len({n.lower() for n in names}) == len(names)
    assert all(fanout.SAFE_JOB.fullmatch(n) for n in names), names


def test_merge_maps_job_ids_back_to_the_ids_grade_all_uses(tmp_path, rubric):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in AWKWARD[:3]:
        (subs / name).write_text("# ops\n") if name.endswith(".py") else (subs / name).mkdir()
    path = tmp_path / "list.txt"
    fanout.write_list(str(subs), str(path))
    jobs, _ = fanout.read_jobs(str(path))
    out = tmp_path / "grades"
    for n, job in enumerate(jobs):
        write_job_results(out, job["job"], graded(rubric, n))
    assert fanout.main(["merge", "--out", str(out), "--list", str(path)]) == 0
    mine = tmp_path / "grade-all"
    gradebook.write(str(mine), {j["id"]: graded(rubric, n) for n, j in enumerate(jobs)})
    assert (out / "grades.csv").read_bytes() == (mine / "grades.csv").read_bytes()


def test_merge_refuses_results_whose_tests_are_not_the_rubrics_and_keeps_grades_csv(
        tmp_path, submissions, rubric, capsys):
    path = tmp_path / "list.txt"
    fanout.write_list(str(submissions), str(path))
    out = tmp_path / "grades"
    forged = {"score": 100.0, "max_score": 100.0,
              "tests": [{"name": "t", "score": 100.0, "max_score": 100.0, "status": "passed"}]}
    for job in ("alice", "bob", "carol"):
        write_job_results(out, job, forged if job == "alice" else graded(rubric, 0))
    (out / "grades.csv").write_text("the previous gradebook\n")
    assert fanout.main(["merge", "--out", str(out), "--list", str(path)]) == 1
    assert (out / "grades.csv").read_text() == "the previous gradebook\n"
    err = capsys.readouterr().err
    assert "alice" in err and "not the rubric's" in err and "left as it was" in err, err


def test_merge_refuses_results_whose_score_is_not_the_sum_of_its_tests(tmp_path, submissions,
                                                                       rubric, capsys):
    path = tmp_path / "list.txt"
    fanout.write_list(str(submissions), str(path))
    out = tmp_path / "grades"
    for job in ("alice", "bob", "carol"):
        write_job_results(out, job, graded(rubric, 2))
    write_job_results(out, "bob", graded(rubric, 2) | {"score": 100.0})
    assert fanout.main(["merge", "--out", str(out), "--list", str(path)]) == 1
    assert not (out / "grades.csv").exists()
    err = capsys.readouterr().err
    assert "bob: its score 100 is not the sum" in err, err


def test_merge_accepts_the_result_of_a_missing_ops_py_as_no_submission(tmp_path, submissions,
                                                                       rubric):
    path = tmp_path / "list.txt"
    fanout.write_list(str(submissions), str(path))
    out = tmp_path / "grades"
    for job in ("alice", "bob"):
        write_job_results(out, job, graded(rubric, 0))
    write_job_results(out, "carol", feedback.failed_results("no ops.py found"))
    assert fanout.main(["merge", "--out", str(out), "--list", str(path)]) == 0
    assert "carol,0,100,no-submission" in (out / "grades.csv").read_text()


def test_a_job_grades_its_submission_into_its_folder_as_grade_all_does(tmp_path):
    (tmp_path / "subs" / "dora").mkdir(parents=True)  # no ops.py: graded at once
    path = tmp_path / "list.txt"
    fanout.write_list(str(tmp_path / "subs"), str(path))
    out = tmp_path / "grades" / "dora"
    assert fanout.main(["grade", "dora", "--out", str(out), "--list", str(path)]) == 0
    data = json.loads((out / "results.json").read_text())
    assert batch.status_of(data) == "no-submission" and "no ops.py" in data["output"]
