"""bench/run.py on a tiny corpus: the table, the ratios, the missing-data message.

No timing assertions: only that the harness measures every system and does its
arithmetic right.
"""

from __future__ import annotations

import importlib.util
import os
import re

import numpy as np
import pytest

from bench import run as bench_run

# gensim is a maintainer (dev) dependency; without it the harness still runs the others.
SYSTEMS = ["product", "product-2t", "product-2p", "numpy"] + (
    ["gensim-1"] if importlib.util.find_spec("gensim") else [])
WORDS = "cat dog bird fish tree bush rose oak runs eats sees likes the a".split()


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("benchdata")
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(WORDS, size=12)) for _ in range(150)]
    (root / "corpus.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    sim = root / "similarity"
    sim.mkdir()
    (sim / "wordsim353.tsv").write_text(
        "# w1\tw2\tscore\ncat\tdog\t8.0\ntree\toak\t7.0\ncat\toak\t1.0\nzebra\tcat\t5.0\n")
    (sim / "simlex999.txt").write_text(
        "# w1\tw2\tscore\nrose\tbush\t6.0\nruns\teats\t2.0\ndog\tbird\t4.0\n")
    return root


def section(text: str, title: str) -> str:
    """The part of results.md under the heading that starts with ``title``."""
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str, title: str = "Speed") -> dict[str, list[str]]:
    rows = {}
    for line in section(text, title).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] not in ("system",):
            key = cells[0] if title == "Speed" else (cells[0], cells[1])
            rows[key] = cells
    return rows


@pytest.fixture(scope="module")
def bench_output(tiny_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("benchout") / "results.md"
    status = bench_run.main([
        "--corpus", str(tiny_data / "corpus.txt"), "--similarity-dir",
        str(tiny_data / "similarity"), "--epochs", "1", "--batch-size", "64", "--repeats", "1",
        "--systems", *SYSTEMS, "--lr-grid", "0.05", "0.1", "--quality-systems",
        *[s for s in SYSTEMS if s != "numpy"], "--grading-repeats", "1", "--out", str(out)])
    return status, out


def test_bench_writes_one_row_per_system(bench_output):
    status, out = bench_output
    assert status == 0
    rows = table_rows(out.read_text())
    assert set(rows) == set(SYSTEMS), rows


def test_product_ratio_is_its_throughput_over_each_peer(bench_output):
    _, out = bench_output
    rows = table_rows(out.read_text())
    rate = {name: float(cells[1].replace(",", "")) for name, cells in rows.items()}
    for name, cells in rows.items():
        ratio = float(cells[-1].rstrip("x"))
        assert ratio == pytest.approx(rate["product"] / rate[name], rel=0.01, abs=0.006), (
            name, ratio, rate)


def test_cpu_ratio_is_the_peers_cpu_per_pair_over_the_products(bench_output):
    _, out = bench_output
    rows = table_rows(out.read_text())
    cpu = {name: float(cells[-3]) for name, cells in rows.items()}
    assert all(c > 0 for c in cpu.values()), cpu
    for name, cells in rows.items():
        ratio = float(cells[-2].rstrip("x"))
        # the cells are rounded to 0.01 us: allow for it on these tiny runs
        assert ratio == pytest.approx(cpu[name] / cpu["product"], rel=0.05, abs=0.02), (
            name, ratio, cpu)


def test_similarity_columns_report_the_oov_rate(bench_output):
    _, out = bench_output
    rows = table_rows(out.read_text())
    # 1 of the 4 WordSim pairs has a word (zebra) that is not in the corpus.
    assert all(re.search(r"\(25 % OOV\)", cells[5]) for cells in rows.values()), rows


def test_missing_corpus_says_run_make_data(tmp_path, capsys):
    status = bench_run.main(["--corpus", str(tmp_path / "nope.txt"), "--out",
                             str(tmp_path / "r.md")])
    assert status == 2
    assert "run make data first" in capsys.readouterr().err
    assert not (tmp_path / "r.md").exists()


def test_ratios_are_medians_of_per_run_ratios():
    def result(pps, cpu=1.0):
        return {"pairs": 10, "pairs_per_second": pps, "seconds": 1.0, "wall": 1.0,
                "rss_mb": 1.0, "similarity": {}, "cpu": cpu}

    runs = [[result(100.0), result(50.0)], [result(60.0), result(60.0)],
            [result(90.0), result(30.0)]]
    rows = bench_run.summarise(runs, ["product", "numpy"])
    # per-run ratios 2.0, 1.0, 3.0 -> median 2.0 (not median(product)/median(numpy) = 1.8)
    assert rows[1]["ratio"] == pytest.approx(2.0), rows[1]


def test_quality_table_has_each_system_at_each_lr_and_marks_the_best(bench_output):
    _, out = bench_output
    text = out.read_text()
    rows = table_rows(text, "Quality")
    systems = [s for s in SYSTEMS if s != "numpy"]
    assert set(rows) == {(s, lr) for s in systems for lr in ("0.05", "0.1")}, rows
    assert "the product's default lr" in rows[("product", "0.1")][-1]
    for s in systems:
        assert sum("best " + s in cells[-1] for key, cells in rows.items() if key[0] == s) == 1
    # the run at the product's lr is the speed table's own run, not a second one
    assert rows[("product", "0.1")][2] == table_rows(text)["product"][5]


def test_results_state_the_load_of_the_machine(bench_output):
    _, out = bench_output
    conditions = section(out.read_text(), "Conditions")
    assert re.search(r"load average \(1, 5, 15 min\) before / after: [\d.]+ [\d.]+ [\d.]+ / "
                     r"[\d.]+ [\d.]+ [\d.]+; 1-min load when each run started: "
                     r"[\d.]+-[\d.]+, median [\d.]+", conditions), conditions


def test_more_tables_plug_in_after_the_others(monkeypatch, tiny_data, tmp_path):
    extra = bench_run.Table("Grading cost", ["what", "CPU s"], [["grade one", "8.5"]])
    monkeypatch.setattr(bench_run, "extra_tables", lambda settings, meta: [extra])
    out = tmp_path / "r.md"
    assert bench_run.main([
        "--corpus", str(tiny_data / "corpus.txt"), "--similarity-dir",
        str(tiny_data / "similarity"), "--epochs", "1", "--batch-size", "64", "--repeats", "1",
        "--systems", "product", "--lr-grid", "--out", str(out)]) == 0
    text = out.read_text()
    assert "## Quality" not in text  # --lr-grid with no rates: no quality table
    assert text.index("## Speed") < text.index("## Grading cost") < text.index("## Conditions")
    assert "| grade one | 8.5 |" in text


def test_a_diverging_run_in_the_quality_grid_is_shown_not_fatal():
    ok = {"similarity": {"WordSim353": [0.5, 0.1]}}
    results = {("product", 0.1): ok, ("product", 0.2): {"diverged": "training diverged: x"},
               ("gensim-1", 0.1): {"similarity": {"WordSim353": [0.4, 0.1]}}}
    settings = {"similarity": [["WordSim353", "w.tsv"]], "epochs": 5, "lr": 0.1}
    text = bench_run.quality_table(results, settings).render()
    assert "| product | 0.2 | - | diverged: training diverged: x |" in text, text
    assert "best product (WordSim353)" in text and "WordSim353 +0.100" in text, text


def test_cpu_ratios_are_medians_of_per_run_ratios():
    def result(cpu):
        return {"pairs": 10, "pairs_per_second": 1.0, "seconds": 1.0, "wall": 1.0,
                "rss_mb": 1.0, "similarity": {}, "cpu": cpu}

    runs = [[result(1.0), result(0.5)], [result(2.0), result(2.0)], [result(1.0), result(0.9)]]
    rows = bench_run.summarise(runs, ["product", "numpy"])
    # per-run numpy/product CPU ratios 0.5, 1.0, 0.9 -> median 0.9
    assert rows[1]["cpu_ratio"] == pytest.approx(0.9), rows[1]


def test_two_worker_rows_are_compared_with_gensim_1_run_by_run(bench_output):
    _, out = bench_output
    if "gensim-1" not in SYSTEMS:
        pytest.skip("gensim is not installed")
    notes = section(out.read_text(), "Speed")
    for name in ("product-2t", "product-2p"):
        assert re.search(rf"{name} / gensim-1 within each run: [\d.]+x \(median [\d.]+x\)",
                         notes), notes



def test_grading_cost_counts_the_grades_process_tree_within_the_machines_cpu(bench_output):
    """Each kind of grade used CPU in its own processes (grader, fork server, workers), and
    no more than the whole machine did meanwhile (a clock tick per core of slack)."""
    _, out = bench_output
    rows = {k: v for k, v in table_rows(out.read_text(), "Grading cost").items()
            if k[0] != "what"}
    assert len(rows) == 2, rows
    slack = 2 * (os.cpu_count() or 1) / os.sysconf("SC_CLK_TCK")
    for what, tree, machine, _ in rows.values():
        tree, machine = float(tree.split()[0]), float(machine.split()[0])
        assert 0.2 < tree <= machine + slack, (what, tree, machine)
