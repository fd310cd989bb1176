"""--workers: settings checks, Hogwild training on shared tables, the single-worker path."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hw3 import parallel
from hw3.errors import TrainingDiverged, UsageError
from hw3.evaluate import neighbour_purity, read_classes
from hw3.model import SGNS
from hw3.train import TrainConfig, prepare, train
from hw3.word2vec import main

REPO = Path(__file__).resolve().parents[2]
BACKENDS = [b for b in parallel.BACKENDS if b != "process" or hasattr(os, "fork")]


def test_processes_are_the_default_on_linux_threads_elsewhere():
    expected = "process" if sys.platform.startswith("linux") else "thread"
    assert parallel.DEFAULT_BACKEND == expected


def tiny_config(corpus, **changes):
    base = TrainConfig(corpus=str(corpus), epochs=2, dim=10, batch_size=256, subsample=0,
                       log_every=5)
    return replace(base, **changes)


@pytest.mark.parametrize("value", [0, -2, 2.5, "2", True])
def test_a_bad_worker_count_is_refused_naming_the_value_and_the_fix(value, tiny_corpus):
    with pytest.raises(UsageError) as err:
        tiny_config(tiny_corpus, workers=value).validate()
    message = str(err.value)
    assert f"--workers must be a whole number >= 1 (got {value!r})" in message, message
    assert "1 trains in this process, reproducibly" in message, message
    assert "\n" not in message, message


def test_the_command_line_refuses_workers_0_with_exit_status_2(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["--ops", "solution", "--corpus", str(tiny_corpus), "--workers", "0",
                 "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "--workers must be a whole number >= 1 (got 0)" in err, err
    assert "Traceback" not in err and not out.exists(), err


def test_one_worker_is_the_default_everywhere_the_grader_trains():
    import glob
    import json
    import os

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    runs = sorted(glob.glob(os.path.join(root, "grader", "reference", "*.json"))
                  + glob.glob(os.path.join(root, "instructor", "reference", "*.json")))
    assert TrainConfig().workers == 1
    assert len(runs) >= 3, runs
    for path in runs:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)["config"]
        assert TrainConfig(**{**cfg, "corpus": "x"}).workers == 1, path


def test_a_single_worker_run_never_loads_the_parallel_module(tiny_corpus):
    code = (
        "import sys\n"
        "from hw3.ops_loader import load_ops\n"
        "from hw3.train import TrainConfig, train\n"
        f"train(TrainConfig(corpus={str(tiny_corpus)!r}, epochs=1, dim=8, batch_size=256),"
        " load_ops('solution'))\n"
        "assert 'hw3.parallel' not in sys.modules, 'hw3.parallel was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_single_worker_runs_stay_identical_for_a_seed(tiny_corpus, solution_ops):
    a = train(tiny_config(tiny_corpus, seed=4, workers=1), solution_ops)
    b = train(tiny_config(tiny_corpus, seed=4), solution_ops)
    assert a.embeddings.tobytes() == b.embeddings.tobytes()
    assert a.losses.tobytes() == b.losses.tobytes()


def test_the_corpus_is_cut_into_nearly_equal_consecutive_parts(tiny_corpus):
    _, _, encoded = prepare(tiny_config(tiny_corpus))
    parts = parallel.split_corpus(encoded, 3)
    sizes = [len(p) for p in parts]
    assert sum(sizes) == len(encoded) and max(sizes) - min(sizes) <= 1, sizes
    assert np.array_equal(np.concatenate([p.ids for p in parts]), encoded.ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_process_shared_array_sees_the_writes_of_a_forked_child():
    table = parallel.shared_zeros((4, 3), np.float32, "process")
    pid = os.fork()
    if pid == 0:  # the child writes and leaves at once
        table[2] = 7
        os._exit(0)
    os.waitpid(pid, 0)
    assert np.array_equal(table[2], [7, 7, 7]) and not table[[0, 1, 3]].any()


def _two_vocabularies_corpus(folder: Path) -> Path:
    """First half uses words a0..a9, second half b0..b9: each worker sees one set."""
    rng = np.random.default_rng(0)
    lines = [" ".join(f"{s}{i}" for i in rng.integers(0, 10, size=12))
             for s in ("a",) * 150 + ("b",) * 150]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "corpus.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "corpus.txt"


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_worker_writes_into_the_one_pair_of_tables(backend, tmp_path, solution_ops):
    config = tiny_config(_two_vocabularies_corpus(tmp_path), workers=2, epochs=1)
    prepared = prepare(config)
    vocab = prepared[1]
    start = SGNS(len(vocab), config.dim, solution_ops, rng=np.random.default_rng(config.seed))
    result = parallel.train_parallel(config, solution_ops, False, prepared, backend=backend)
    moved = ~np.isclose(result.embeddings, start.centre.weight.value).all(axis=1)
    trained = {w[0] for w, m in zip(result.words, moved) if m}
    assert trained == {"a", "b"}, (backend, trained)  # worker 1's words and worker 2's
    assert result.context_embeddings[[vocab.index["a1"], vocab.index["b1"]]].any(axis=1).all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_workers_log_a_falling_loss_and_count_every_pair(backend, tiny_corpus,
                                                             solution_ops):
    config = tiny_config(tiny_corpus, workers=2)
    prepared = prepare(config)
    one = train(replace(config, workers=1), solution_ops, prepared=prepared)
    two = parallel.train_parallel(config, solution_ops, False, prepared, backend=backend)
    assert abs(two.pairs_trained - one.pairs_trained) < 0.02 * one.pairs_trained
    assert np.all(np.diff(two.loss_steps) > 0), two.loss_steps
    assert np.all(np.diff(two.loss_lrs) < 0), two.loss_lrs
    assert two.losses[-1] < two.losses[0] - 0.5, two.losses


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_diverging_worker_stops_the_run_with_training_diverged(backend, tiny_corpus,
                                                                 solution_ops):
    config = tiny_config(tiny_corpus, workers=2, lr=1e6, row_cap=0)
    with pytest.raises(TrainingDiverged, match=r"of worker [12] .*lower --lr"):
        parallel.train_parallel(config, solution_ops, False, prepare(config), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_op_that_fails_in_a_worker_is_reported_with_its_line(backend, tiny_corpus, tmp_path,
                                                                capsys, monkeypatch):
    monkeypatch.setattr(parallel, "DEFAULT_BACKEND", backend)
    solution = (REPO / "instructor" / "solution" / "ops.py").read_text()
    broken = solution.replace("grad_a = np.einsum(",
                              "assert a.ndim == 2, 'only 2-D'\n        grad_a = np.einsum(")
    ops = tmp_path / "broken_ops.py"
    ops.write_text(broken)
    code = main(["--ops", str(ops), "--corpus", str(tiny_corpus), "--workers", "2",
                 "--epochs", "1", "--batch-size", "256", "--quiet", "--out",
                 str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "only 2-D" in err and str(ops) in err and "make test" in err, err


@pytest.mark.slow
def test_two_workers_reach_good_neighbour_purity_on_the_toy_corpus(solution_ops):
    corpus = REPO / "data" / "toy" / "corpus.txt"
    if not corpus.is_file():
        pytest.skip("the toy corpus is not there (data/toy/corpus.txt)")
    r = train(TrainConfig(corpus=str(corpus), workers=2), solution_ops)
    purity = neighbour_purity(r.embeddings, r.words, read_classes(corpus.parent / "classes.tsv"))
    assert purity >= 0.95, purity


def _children(pid: int) -> list[int]:
    kids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            kids.append(int(status.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_worker_processes_do_not_outlive_a_killed_run(tiny_corpus, tmp_path):
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "hw3.word2vec", "--ops", "solution", "--corpus", str(tiny_corpus),
         "--workers", "2", "--epochs", "100000", "--batch-size", "64", "--quiet",
         "--out", str(tmp_path / "out")], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _children(proc.pid)
        assert len(workers) == 2, workers
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them training forever when the check fails
        os.kill(w, 9)
    assert not left, f"worker processes {left} outlived their killed parent"
