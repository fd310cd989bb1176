"""`make submit` (hw3.handin): one checked archive holding what is graded (ops.py), with
the training outputs when there are finished ones (not graded), or a clear refusal."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from grader import submission
from hw3 import handin

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "instructor" / "solution" / "ops.py"
STUBS = ROOT / "starter" / "ops.py"
MEMBERS = ["ops.py", "outputs/embeddings.txt", "outputs/losses.csv", "outputs/metrics.json",
           "outputs/config.json", "outputs/neighbours.txt", "MANIFEST"]


VALID_OUTPUTS = {
    "embeddings.txt": "3 2\nthe 0.1 -0.2\ncat 1.5 2e-3\nsat -1 0\n",
    "losses.csv": "step,epoch,lr,loss\n4,0,0.05,4.158883\n",
    "metrics.json": '{"final_loss": 4.158883}\n',
    "config.json": '{"settings": {"dim": 2}}\n',
    "neighbours.txt": "the: cat sat\n",
}


@pytest.fixture
def outputs(tmp_path):
    folder = tmp_path / "outputs"
    folder.mkdir()
    assert set(VALID_OUTPUTS) == set(handin.OUTPUT_FILES)
    for name, text in VALID_OUTPUTS.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def implemented(tmp_path_factory):
    """An implemented ops.py (the reference's code, standing in for a student's)."""
    path = tmp_path_factory.mktemp("student") / "ops.py"
    path.write_bytes(SOLUTION.read_bytes())
    return path


def run(ops, outputs, out) -> int:
    outputs = [] if outputs is None else ["--outputs", str(outputs)]
    return handin.main(["--ops", str(ops), *outputs, "--out", str(out)])


def members(archive) -> list[str]:
    with tarfile.open(archive) as tar:
        return tar.getnames()


def test_archive_holds_ops_outputs_and_manifest(tmp_path, implemented, outputs):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 0
    with tarfile.open(out) as tar:
        assert tar.getnames() == MEMBERS
        data = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    assert data["ops.py"] == implemented.read_bytes()
    listed = dict(reversed(line.split("  ", 1)) for line in data["MANIFEST"].decode().splitlines())
    assert listed == {name: hashlib.sha256(data[name]).hexdigest() for name in MEMBERS[:-1]}


def test_grader_accepts_the_archive(tmp_path, implemented, outputs):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 0
    found = submission.locate(str(out), str(tmp_path))  # what `grader grade` reads
    assert Path(found).read_bytes() == implemented.read_bytes()


def test_same_inputs_give_the_same_archive_bytes(tmp_path, implemented, outputs):
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    assert run(implemented, outputs, first) == 0 and run(implemented, outputs, second) == 0
    assert first.read_bytes() == second.read_bytes()


def test_refuses_stubs_and_says_what_to_run(tmp_path, outputs, capsys):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(STUBS, outputs, out) == 2
    err = capsys.readouterr().err
    assert "NotImplementedError" in err and "make test" in err, err
    assert not out.exists()


def test_archive_without_outputs_holds_ops_and_manifest(tmp_path, implemented, monkeypatch):
    monkeypatch.setattr(handin, "DEFAULT_OUTPUTS", tmp_path / "no-such-run")
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, None, out) == 0
    assert members(out) == ["ops.py", "MANIFEST"]


def test_default_outputs_are_included_when_finished(tmp_path, implemented, outputs,
                                                     monkeypatch):
    monkeypatch.setattr(handin, "DEFAULT_OUTPUTS", outputs)
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, None, out) == 0
    assert members(out) == MEMBERS


def test_default_outputs_are_where_make_train_writes():
    assert handin.DEFAULT_OUTPUTS.relative_to(ROOT).as_posix() == "outputs/train"


def test_says_that_only_ops_py_is_graded(tmp_path, implemented, capsys, monkeypatch):
    monkeypatch.setattr(handin, "DEFAULT_OUTPUTS", tmp_path / "no-such-run")
    assert run(implemented, None, tmp_path / "s.tar.gz") == 0
    said = capsys.readouterr().out
    assert "Only ops.py is graded" in said and "ops.py and MANIFEST" in said, said


def test_a_named_outputs_folder_that_does_not_exist_is_refused(tmp_path, implemented, capsys):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, tmp_path / "outputs" / "seed_1", out) == 2
    err = capsys.readouterr().err
    assert "no such folder" in err and "only ops.py is graded" in err, err
    assert not out.exists()


def test_refusal_leaves_an_earlier_archive_untouched(tmp_path, implemented, outputs):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 0
    before = out.read_bytes()
    assert run(STUBS, outputs, out) == 2
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_warns_when_outputs_were_trained_with_other_ops(tmp_path, implemented, outputs, capsys):
    (outputs / "config.json").write_text('{"ops": {"sha256": "' + "0" * 64 + '"}}')
    assert run(implemented, outputs, tmp_path / "s.tar.gz") == 0
    assert "make train" in capsys.readouterr().err


def left_out(implemented, outputs, tmp_path, capsys) -> str:
    """Damaged outputs never refuse the hand-in: the archive holds ops.py without them."""
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 0
    assert members(out) == ["ops.py", "MANIFEST"]
    err = capsys.readouterr().err
    assert "were left out" in err and "not graded" in err, err
    return err


def test_leaves_out_incomplete_outputs_and_says_what_to_run(tmp_path, implemented, outputs,
                                                            capsys):
    (outputs / "losses.csv").unlink()
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert "losses.csv is missing" in err and "make train" in err, err


def test_leaves_out_an_empty_output(tmp_path, implemented, outputs, capsys):
    (outputs / "neighbours.txt").write_text("")
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert "neighbours.txt is empty" in err and "make train" in err, err


def test_leaves_out_a_json_output_that_does_not_parse(tmp_path, implemented, outputs, capsys):
    (outputs / "metrics.json").write_text('{"final_loss": 4.1')  # cut off mid-write
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert "metrics.json is not valid JSON" in err, err


def test_leaves_out_embeddings_with_fewer_rows_than_the_header_says(tmp_path, implemented,
                                                                     outputs, capsys):
    (outputs / "embeddings.txt").write_text("3 2\nthe 0.1 -0.2\ncat 1.5 2e-3\n")
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert "announces 3 words but holds 2 rows" in err, err


def test_leaves_out_embeddings_with_rows_of_the_wrong_width(tmp_path, implemented, outputs,
                                                            capsys):
    (outputs / "embeddings.txt").write_text("2 2\nthe 0.1 -0.2\ncat 1.5\n")
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert "line 3 has 1 numbers, not the 2" in err, err


def test_leaves_out_embeddings_without_the_word2vec_header(tmp_path, implemented, outputs,
                                                           capsys):
    (outputs / "embeddings.txt").write_text("the 0.1 -0.2\ncat 1.5 2e-3\n")
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert '"V d" header' in err, err


def test_each_message_is_one_paragraph(tmp_path, implemented, outputs, capsys):
    (outputs / "losses.csv").write_text("")
    (outputs / "config.json").write_text("not json")
    err = left_out(implemented, outputs, tmp_path, capsys)
    assert err.strip().count("\n") == 0 and err.startswith("warning: "), err
    assert run(STUBS, outputs, tmp_path / "s.tar.gz") == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and err.startswith("make submit: "), err


def test_an_archive_that_does_not_read_back_is_refused(tmp_path, implemented, outputs,
                                                       monkeypatch, capsys):
    real = handin._add

    def drop_bytes(tar, name, data):  # what a full disk or a bad write would leave
        real(tar, name, data[:-1] if name == "ops.py" else data)

    monkeypatch.setattr(handin, "_add", drop_bytes)
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 2
    assert "did not read back" in capsys.readouterr().err
    assert not out.exists()


def test_partial_hands_in_what_is_written_and_says_what_earns_nothing(tmp_path, outputs,
                                                                      capsys):
    """At the deadline with two ops done: make submit PARTIAL=1 still makes an archive."""
    half = tmp_path / "ops.py"
    half.write_text(STUBS.read_text().replace(
        'raise _todo("sigmoid.forward")', "ctx.append(1 / (1 + np.exp(-a)))\n        return ctx[0]")
        .replace('raise _todo("sigmoid.backward")',
                 "return (grad_output * ctx[0] * (1 - ctx[0]),)"))
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(half, outputs, out) == 2
    assert "make submit PARTIAL=1" in capsys.readouterr().err and not out.exists()
    code = handin.main(["--ops", str(half), "--outputs", str(outputs), "--out", str(out),
                        "--partial"])
    err = capsys.readouterr().err
    assert code == 0 and "ops.py" in members(out), err
    assert "warning: log, multiply, dot are not written yet" in err, err
    assert "earn no points" in err, err


def test_the_archive_a_new_one_replaces_is_kept_beside_it(tmp_path, implemented, outputs,
                                                          capsys):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 0
    first = out.read_bytes()
    assert run(implemented, None, out) == 0
    kept = tmp_path / "hw3-submission.previous.tar.gz"
    assert kept.read_bytes() == first and out.read_bytes() != first
    assert "kept as" in capsys.readouterr().out


def test_a_folder_of_runs_given_as_outputs_names_a_run_to_give_instead(tmp_path, implemented,
                                                                       outputs, capsys):
    parent = outputs.parent / "all-runs"
    parent.mkdir()
    outputs.rename(parent / "train")
    assert run(implemented, parent, tmp_path / "h.tar.gz") == 0
    err = capsys.readouterr().err
    assert "holds training runs in its subfolders" in err and "train" in err, err
    assert "interrupted" not in err, err


def test_partial_still_refuses_the_untouched_stub(tmp_path, outputs, capsys):
    out = tmp_path / "hw3-submission.tar.gz"
    code = handin.main(["--ops", str(STUBS), "--outputs", str(outputs), "--out", str(out),
                        "--partial"])
    assert code == 2 and "no op is written yet" in capsys.readouterr().err
    assert not out.exists()
