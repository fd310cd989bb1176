"""The training command line: outputs, determinism, and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import write_tiny_corpus

from hw3.word2vec import main

REPO = Path(__file__).resolve().parents[2]
FILES = {"embeddings.txt", "losses.csv", "neighbours.txt", "metrics.json", "config.json",
         "timing.json"}


def fast_args(corpus, out, *extra):
    return ["--ops", "solution", "--corpus", str(corpus), "--epochs", "2", "--dim", "10",
            "--batch-size", "256", "--subsample", "0", "--log-every", "5", "--quiet", "--no-plot",
            "--out", str(out), *extra]


def run(args, capsys):
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_a_run_writes_every_output_file(tiny_corpus, tmp_path, capsys):
    code, err = run(fast_args(tiny_corpus, tmp_path / "out"), capsys)
    assert code == 0, err
    written = {p.name for p in (tmp_path / "out").iterdir()}
    assert FILES <= written, written
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temp folder left"


def test_a_loss_plot_is_drawn_when_matplotlib_is_installed(tiny_corpus, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    args = [a for a in fast_args(tiny_corpus, tmp_path / "out") if a != "--no-plot"]
    assert run(args, capsys)[0] == 0
    png = (tmp_path / "out" / "loss.png").read_bytes()
    assert png.startswith(b"\x89PNG"), png[:8]


def test_embeddings_load_in_gensim(tiny_corpus, tmp_path, capsys):
    gensim_models = pytest.importorskip("gensim.models")
    assert run(fast_args(tiny_corpus, tmp_path / "out"), capsys)[0] == 0
    kv = gensim_models.KeyedVectors.load_word2vec_format(str(tmp_path / "out" / "embeddings.txt"))
    header = (tmp_path / "out" / "embeddings.txt").read_text().splitlines()[0]
    assert header == f"{len(kv.index_to_key)} 10", header
    assert "cat" in kv.key_to_index and kv["cat"].shape == (10,)


def test_same_seed_gives_byte_identical_files(tiny_corpus, tmp_path, capsys):
    for name in ("a", "b"):
        assert run(fast_args(tiny_corpus, tmp_path / name, "--seed", 3), capsys)[0] == 0
    for f in sorted((tmp_path / "a").iterdir()):
        if f.name == "timing.json":
            continue
        same = f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()
        assert same, f"{f.name} differs between two runs with the same seed"


def test_a_different_seed_gives_different_embeddings(tiny_corpus, tmp_path, capsys):
    for name, seed in (("a", 1), ("b", 2)):
        assert run(fast_args(tiny_corpus, tmp_path / name, "--seed", seed), capsys)[0] == 0
    a = (tmp_path / "a" / "embeddings.txt").read_text()
    b = (tmp_path / "b" / "embeddings.txt").read_text()
    assert a != b


def test_metrics_hold_neighbour_purity_when_classes_sit_beside_the_corpus(tiny_corpus,
                                                                          tmp_path, capsys):
    assert run(fast_args(tiny_corpus, tmp_path / "out"), capsys)[0] == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert 0 <= metrics["neighbour_purity"] <= 1, metrics


def test_metrics_have_no_purity_without_classes(tmp_path, capsys):
    corpus = write_tiny_corpus(tmp_path / "plain", with_classes=False)
    assert run(fast_args(corpus, tmp_path / "out"), capsys)[0] == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert "neighbour_purity" not in metrics, metrics


def test_similarity_file_gives_spearman_and_oov_rate(tiny_corpus, tmp_path, capsys):
    sim = tmp_path / "sim.tsv"
    sim.write_text("# comment\ncat\tdog\t9\ncat\tbread\t1\napple\tbread\t8\nzebra\tcat\t5\n")
    assert run(fast_args(tiny_corpus, tmp_path / "out", "--similarity", sim), capsys)[0] == 0
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())["similarity"]["sim"]
    assert m["oov_rate"] == 0.25 and m["pairs"] == 4, m
    assert -1 <= m["spearman"] <= 1, m


def test_config_records_every_setting_and_no_timing(tiny_corpus, tmp_path, capsys):
    assert run(fast_args(tiny_corpus, tmp_path / "out", "--seed", 5), capsys)[0] == 0
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["settings"]["seed"] == 5 and config["settings"]["dim"] == 10, config
    assert "numpy" in config["versions"], config
    assert "seconds" not in config and "pairs_per_second" not in config, config


def test_an_existing_output_folder_is_refused_without_overwrite(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    code, err = run(fast_args(tiny_corpus, out), capsys)
    assert code == 2 and "--overwrite" in err, (code, err)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_overwrite_replaces_an_earlier_run(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(fast_args(tiny_corpus, out, "--seed", 1), capsys)[0] == 0
    before = (out / "embeddings.txt").read_bytes()
    assert run(fast_args(tiny_corpus, out, "--seed", 2, "--overwrite"), capsys)[0] == 0
    assert {p.name for p in out.iterdir()} == FILES
    assert (out / "embeddings.txt").read_bytes() != before


def test_overwrite_never_deletes_files_it_did_not_write(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "seed_1").mkdir(parents=True)
    (out / "embeddings.txt").write_text("old")
    code, err = run(fast_args(tiny_corpus, out, "--overwrite"), capsys)
    assert code == 2 and "seed_1" in err, (code, err)
    assert (out / "seed_1").is_dir() and (out / "embeddings.txt").read_text() == "old"


def test_a_crash_while_writing_leaves_nothing_behind(tiny_corpus, tmp_path, capsys,
                                                      monkeypatch):
    import hw3.word2vec as cli

    real_write, calls = cli.atomic_write, []

    def failing_write(path, data):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(cli, "atomic_write", failing_write)
    code, err = run(fast_args(tiny_corpus, tmp_path / "out"), capsys)
    assert code == 2 and "Could not write the outputs" in err and "No space left" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"], list(tmp_path.iterdir())


def _bad_corpus(tmp_path, content: bytes):
    p = tmp_path / "bad" / "corpus.txt"
    p.parent.mkdir()
    p.write_bytes(content)
    return p


def _ops_file(tmp_path, text):
    p = tmp_path / "myops" / "ops.py"
    p.parent.mkdir()
    p.write_text(text)
    return p


BAD_INPUTS = {
    "missing corpus": (lambda t, c: ["--corpus", t / "nope.txt"], "does not exist"),
    "empty corpus": (lambda t, c: ["--corpus", _bad_corpus(t, b"\n \n")], "is empty"),
    "corpus shorter than the window": (
        lambda t, c: ["--corpus", _bad_corpus(t, b"a b c\n"), "--min-count", 1], "too short"),
    "min_count leaves nothing": (lambda t, c: ["--min-count", 100000], "leaves no words"),
    "non-UTF-8 corpus": (
        lambda t, c: ["--corpus", _bad_corpus(t, b"ok line\nna\xefve\n")], "not valid UTF-8"),
    "zero dim": (lambda t, c: ["--dim", 0], "--dim must be a positive"),
    "zero epochs": (lambda t, c: ["--epochs", 0], "--epochs must be a positive"),
    "negative negatives": (lambda t, c: ["--negatives", -1], "--negatives must be a positive"),
    "zero batch size": (lambda t, c: ["--batch-size", 0], "--batch-size must be a positive"),
    "zero window": (lambda t, c: ["--window", 0], "--window must be a positive"),
    "zero lr": (lambda t, c: ["--lr", 0], "--lr must be a positive"),
    "negative lr": (lambda t, c: ["--lr", -0.1], "--lr must be a positive"),
    "unknown ops path": (lambda t, c: ["--ops", t / "nowhere.py"], "no such file"),
    "ops file without the four ops": (
        lambda t, c: ["--ops", _ops_file(t, "def sigmoid(a):\n    return a\n")],
        "does not define log, multiply, dot"),
    "ops file that does not import": (
        lambda t, c: ["--ops", _ops_file(t, "def sigmoid(:\n")], "importing"),
    "missing similarity file": (
        lambda t, c: ["--similarity", t / "ws.tsv"], "similarity file"),
    "huge lr diverges": (lambda t, c: ["--lr", 1e4, "--row-cap", 0], "training diverged"),
    "negative row cap": (lambda t, c: ["--row-cap", -1], "--row-cap must be 0"),
    "ops file that calls sys.exit on import": (
        lambda t, c: ["--ops", _ops_file(t, "import sys\nsys.exit(0)\n")], "called sys.exit(0)"),
    "ops without @tensor_op": (
        lambda t, c: ["--ops", _ops_file(t, SOLUTION.replace("@tensor_op\n", ""))],
        "not decorated with @tensor_op"),
    "an op that calls sys.exit": (
        lambda t, c: ["--ops", _ops_file(t, SOLUTION.replace("return np.log(a)", "raise SystemExit(3)"))],
        "log raised SystemExit"),
    "classes.tsv beside the corpus is not UTF-8": (
        lambda t, c: ["--corpus", _with_classes(t, c, b"cat\tanim\xe9l\n")], "word classes"),
    "--out cannot be created": (lambda t, c: ["--out", t / "afile" / "out"], "cannot be written"),
}
SOLUTION = (REPO / "instructor" / "solution" / "ops.py").read_text()


def _with_classes(tmp_path, corpus, classes: bytes):
    folder = tmp_path / "withclasses"
    folder.mkdir()
    (folder / "corpus.txt").write_bytes(corpus.read_bytes())
    (folder / "classes.tsv").write_bytes(classes)
    return folder / "corpus.txt"


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_exits_2_with_a_message_and_writes_nothing(case, tiny_corpus, tmp_path, capsys):
    make_args, expected = BAD_INPUTS[case]
    out = tmp_path / "out"
    (tmp_path / "afile").write_text("a file where a folder is needed")
    code, err = run(fast_args(tiny_corpus, out) + make_args(tmp_path, tiny_corpus), capsys)
    assert code == 2, (code, err)
    assert expected in err, err
    assert "Traceback" not in err, err
    assert not out.exists(), list(out.iterdir())
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert not leftovers, leftovers


def test_an_op_that_fails_during_training_is_reported_with_its_line(tiny_corpus, tmp_path,
                                                                    capsys):
    solution = (REPO / "instructor" / "solution" / "ops.py").read_text()
    broken = solution.replace("grad_a = np.einsum(",
                              "assert a.ndim == 2, 'only 2-D'\n        grad_a = np.einsum(")
    assert broken != solution
    ops = _ops_file(tmp_path, broken)
    code, err = run(fast_args(tiny_corpus, tmp_path / "out", "--ops", ops), capsys)
    assert code == 2, (code, err)
    assert "only 2-D" in err and str(ops) in err and "make test" in err, err
    assert not (tmp_path / "out").exists()


def test_starter_stubs_ask_to_implement_the_ops_first(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "hw3.word2vec", "--ops", "starter", "--out", str(tmp_path / "o")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "mplement starter/ops.py first (run `make test`)" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "o").exists()


def test_losses_csv_has_a_row_per_logged_step_and_one_for_the_last_step(tiny_corpus, tmp_path,
                                                                        capsys):
    assert run(fast_args(tiny_corpus, tmp_path / "out"), capsys)[0] == 0
    rows = (tmp_path / "out" / "losses.csv").read_text().splitlines()
    assert rows[0] == "step,epoch,lr,loss", rows[0]
    steps = np.array([int(r.split(",")[0]) for r in rows[1:]])
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert len(steps) > 2 and np.all(np.diff(steps[:-1]) == 5), steps
    assert steps[-1] == metrics["steps"], (steps, metrics["steps"])
    assert float(rows[-1].split(",")[-1]) == pytest.approx(metrics["final_loss"], abs=1e-6)


def test_out_as_the_current_folder_is_refused_before_training(tiny_corpus, tmp_path, capsys,
                                                              monkeypatch):
    here = tmp_path / "empty"
    here.mkdir()
    monkeypatch.chdir(here)
    code, err = run(fast_args(tiny_corpus, "."), capsys)
    assert code == 2 and "the folder you are in" in err, err
    assert list(here.iterdir()) == []


def test_outputs_name_files_inside_the_repository_by_relative_paths(tmp_path, capsys):
    args = fast_args(REPO / "data" / "toy" / "corpus.txt", tmp_path / "out", "--epochs", "1")
    assert run(args, capsys)[0] == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert metrics["classes_file"] == "data/toy/classes.tsv", metrics
    assert config["settings"]["corpus"] == "data/toy/corpus.txt", config["settings"]
    assert config["ops"]["file"] == "instructor/solution/ops.py", config["ops"]


def test_a_run_whose_loss_goes_up_says_training_learned_nothing(tiny_corpus, tmp_path,
                                                                 capsys):
    """A sigmoid.backward that forgets grad_output trains without error, loss rising:
    the summary must not read like a normal run."""
    solution = (REPO / "instructor" / "solution" / "ops.py").read_text()
    broken = solution.replace("return (grad_output * out * (1 - out),)",
                              "return (out * (1 - out),)")
    assert broken != solution
    ops = _ops_file(tmp_path, broken)
    args = [a for a in fast_args(tiny_corpus, tmp_path / "out", "--ops", ops) if a != "--quiet"]
    code, err = run(args, capsys)
    assert code == 0, err
    assert "the loss did not go down" in err and "make test" in err, err


def test_a_normal_run_gives_no_warning_about_the_loss(tiny_corpus, tmp_path, capsys):
    args = [a for a in fast_args(tiny_corpus, tmp_path / "out") if a != "--quiet"]
    code, err = run(args, capsys)
    assert code == 0 and "did not go down" not in err, err


def test_an_out_that_cannot_hold_files_names_a_folder_to_use_and_make_s_way(tiny_corpus,
                                                                           tmp_path, capsys):
    (tmp_path / "taken").write_text("a file, not a folder\n")
    code, err = run(fast_args(tiny_corpus, tmp_path / "taken" / "run"), capsys)
    assert code == 2 and "is not a folder you can create files in" in err, err
    assert "make train OUT=" in err and "nothing was trained yet" in err, err
