"""`make submit` (hw3.handin): one checked archive, or a clear refusal."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from grader import submission
from hw3 import handin

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "grader" / "solution" / "ops.py"
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
    return handin.main(["--ops", str(ops), "--outputs", str(outputs), "--out", str(out)])


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


def test_refuses_missing_outputs_and_says_what_to_run(tmp_path, implemented, outputs, capsys):
    (outputs / "losses.csv").unlink()
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 2
    err = capsys.readouterr().err
    assert "losses.csv" in err and "make train" in err, err
    assert not out.exists()


def test_refusal_leaves_an_earlier_archive_untouched(tmp_path, implemented, outputs):
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 0
    before = out.read_bytes()
    (outputs / "metrics.json").unlink()
    assert run(implemented, outputs, out) == 2
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_warns_when_outputs_were_trained_with_other_ops(tmp_path, implemented, outputs, capsys):
    (outputs / "config.json").write_text('{"ops": {"sha256": "' + "0" * 64 + '"}}')
    assert run(implemented, outputs, tmp_path / "s.tar.gz") == 0
    assert "make train" in capsys.readouterr().err


def refusal(implemented, outputs, tmp_path, capsys) -> str:
    out = tmp_path / "hw3-submission.tar.gz"
    assert run(implemented, outputs, out) == 2
    assert not out.exists()
    return capsys.readouterr().err


def test_refuses_an_empty_output_and_says_what_to_run(tmp_path, implemented, outputs, capsys):
    (outputs / "neighbours.txt").write_text("")
    err = refusal(implemented, outputs, tmp_path, capsys)
    assert "neighbours.txt is empty" in err and "make train" in err, err


def test_refuses_a_json_output_that_does_not_parse(tmp_path, implemented, outputs, capsys):
    (outputs / "metrics.json").write_text('{"final_loss": 4.1')  # cut off mid-write
    err = refusal(implemented, outputs, tmp_path, capsys)
    assert "metrics.json is not valid JSON" in err and "make train" in err, err


def test_refuses_embeddings_with_fewer_rows_than_the_header_says(tmp_path, implemented,
                                                                  outputs, capsys):
    (outputs / "embeddings.txt").write_text("3 2\nthe 0.1 -0.2\ncat 1.5 2e-3\n")
    err = refusal(implemented, outputs, tmp_path, capsys)
    assert "announces 3 words but holds 2 rows" in err and "make train" in err, err


def test_refuses_embeddings_with_rows_of_the_wrong_width(tmp_path, implemented, outputs,
                                                         capsys):
    (outputs / "embeddings.txt").write_text("2 2\nthe 0.1 -0.2\ncat 1.5\n")
    err = refusal(implemented, outputs, tmp_path, capsys)
    assert "line 3 has 1 numbers, not the 2" in err, err


def test_refuses_embeddings_without_the_word2vec_header(tmp_path, implemented, outputs,
                                                        capsys):
    (outputs / "embeddings.txt").write_text("the 0.1 -0.2\ncat 1.5 2e-3\n")
    err = refusal(implemented, outputs, tmp_path, capsys)
    assert '"V d" header' in err, err


def test_refusal_is_one_paragraph(tmp_path, implemented, outputs, capsys):
    (outputs / "losses.csv").write_text("")
    (outputs / "config.json").write_text("not json")
    err = refusal(implemented, outputs, tmp_path, capsys)
    assert err.strip().count("\n") == 0 and err.startswith("make submit: "), err
