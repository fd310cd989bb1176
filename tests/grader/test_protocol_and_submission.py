"""The wire format never unpickles; submissions are found safely in files, folders, archives."""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile

import numpy as np
import pytest

from grader.submission import NoSubmission, locate, student_id
from sandboxed import protocol

SOLUTION = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "instructor", "solution", "ops.py")


def frame(header: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(header)) + header + struct.pack(">Q", len(body)) + body


def read_back(data: bytes):
    import tempfile

    with tempfile.TemporaryFile() as f:  # a pipe would not hold a big frame
        f.write(data)
        f.flush()
        f.seek(0)
        return protocol.read_frame(f.fileno(), deadline=None)


def test_arrays_scalars_and_sequences_round_trip():
    message = {"out": np.arange(6.0).reshape(2, 3), "zero_d": np.array(2.5),
               "grads": (np.ones(2), None, [1, 2.0]), "words": "a\nb"}
    got = read_back(protocol.pack(message))
    np.testing.assert_array_equal(got["out"], message["out"])
    assert got["zero_d"].shape == ()
    assert isinstance(got["grads"], tuple) and got["grads"][1] is None
    assert got["words"] == "a\nb"


def test_unsendable_objects_arrive_as_foreign_placeholders():
    got = read_back(protocol.pack({"out": object()}))
    assert isinstance(got["out"], protocol.Foreign)
    assert got["out"].type_name == "object"


def test_a_pickled_array_in_a_frame_is_rejected():
    blob = io.BytesIO()
    np.save(blob, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(protocol.ProtocolError):
        read_back(frame(b'{"out": {"__array__": 0}}', blob.getvalue()))


def test_an_oversized_frame_is_rejected_before_reading_it():
    with pytest.raises(protocol.TooLarge) as err:
        read_back(struct.pack(">I", protocol.MAX_HEADER + 1))
    assert err.value.limit == protocol.MAX_HEADER
    header = b'{"ok": true}'
    with pytest.raises(protocol.TooLarge) as err:
        read_back(struct.pack(">I", len(header)) + header
                  + struct.pack(">Q", protocol.MAX_BLOB + 1))
    assert (err.value.size, err.value.limit) == (protocol.MAX_BLOB + 1, protocol.MAX_BLOB)


@pytest.mark.parametrize("header", [
    b'{"ok": true, "out": {"__scalar__": "not-a-number"}}',   # no number at all
    b'{"ok": true, "out": ' + b"[" * 300_000 + b"]" * 300_000 + b"}",  # JSON too deep
    b'{"ok": true, "out": ' + b'{"__object__": "list", "items": [' * 2000
    + b"1" + b"]}" * 2000 + b"}",                              # decoding too deep
    b'{"ok": true, "out": {"__array__": "x"}}',
    b'{"ok": true, "out": {"__object__": "list", "items": 5}}',
    b"\xff\xfe",
])
def test_a_frame_the_parent_cannot_decode_is_a_protocol_error(header):
    """Whatever a frame holds, reading it raises ProtocolError (the sender's problem),
    never ValueError or RecursionError (which the grader would blame on itself)."""
    with pytest.raises(protocol.ProtocolError):
        read_back(frame(header, b""))


def test_a_value_too_big_to_send_is_refused_before_copying(monkeypatch):
    monkeypatch.setattr(protocol, "MAX_BLOB", 1000)
    with pytest.raises(protocol.TooLarge) as err:
        protocol.pack({"out": np.zeros(200)})
    assert (err.value.what, err.value.size, err.value.limit) == ("payload", 1600, 1000)


# --------------------------------------------------------------------------- feedback
def excinfo_of(err: BaseException):
    try:
        raise err
    except BaseException:  # noqa: BLE001
        return pytest.ExceptionInfo.from_current()


def test_an_unexpected_error_still_says_the_grader_failed():
    from grader.runner import _message

    text = _message(excinfo_of(KeyError("boom")))
    assert "could not finish this test" in text and "KeyError" in text


def tar_with(tmp_path, member: tarfile.TarInfo, data: bytes = b"") -> str:
    archive = tmp_path / "hw3-submission.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        member.size = len(data)
        tf.addfile(member, io.BytesIO(data))
    return str(archive)


def test_the_rubric_run_imports_no_hypothesis():
    """The law examples are stored with the cases, so a grade pays neither hypothesis's
    import nor its engine (nor pytest rewriting its asserts where bytecode is not written:
    2-3 s per graded submission)."""
    import subprocess
    import sys

    code = ("import sys; from grader.runner import run_rubric; "
            "run_rubric('instructor/solution/ops.py', hidden=True, collect_only=True); "
            "print(sorted(m for m in sys.modules if 'hypothesis' in m))")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout[-2000:]


def test_the_rubric_run_puts_the_garbage_collector_back_as_it_found_it():
    """The run freezes what was imported before it and collects less often
    (grader/runner.py); a caller's process must not keep either."""
    import subprocess
    import sys

    code = ("import gc; from grader.runner import run_rubric; gc.set_threshold(500, 9, 8); "
            "run_rubric('instructor/solution/ops.py', hidden=False, collect_only=True); "
            "print(gc.get_threshold(), gc.get_freeze_count())")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split("\n")[-2] == "(500, 9, 8) 0", proc.stdout[-2000:]

def test_a_tar_member_with_a_parent_path_is_refused_and_never_written_outside(tmp_path):
    archive = tar_with(tmp_path, tarfile.TarInfo("../../escape/ops.py"), b"# student ops\n")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(NoSubmission, match="outside the archive"):
        locate(archive, str(work))
    assert not (tmp_path.parent / "escape").exists() and not os.listdir(work)


def test_a_tar_member_with_an_absolute_path_is_refused(tmp_path):
    archive = tar_with(tmp_path, tarfile.TarInfo("/etc/hw3/ops.py"), b"# student ops\n")
    with pytest.raises(NoSubmission, match="outside the archive"):
        locate(archive, str(tmp_path))


@pytest.mark.parametrize("kind, what", [(tarfile.SYMTYPE, "a symbolic link"),
                                        (tarfile.LNKTYPE, "a hard link")])
def test_a_tar_ops_py_that_is_a_link_is_refused(tmp_path, kind, what):
    member = tarfile.TarInfo("ops.py")
    member.type, member.linkname = kind, str(SOLUTION)
    with pytest.raises(NoSubmission, match=what):
        locate(tar_with(tmp_path, member), str(tmp_path))


def test_a_zip_ops_py_that_is_a_symlink_is_refused(tmp_path):
    info = zipfile.ZipInfo("ops.py")
    info.external_attr = (0o120777) << 16  # S_IFLNK: the data is the link's target
    with zipfile.ZipFile(tmp_path / "sub.zip", "w") as zf:
        zf.writestr(info, str(SOLUTION))
    with pytest.raises(NoSubmission, match="symbolic link"):
        locate(str(tmp_path / "sub.zip"), str(tmp_path))


def test_an_entry_that_is_a_symlink_is_refused(tmp_path):
    (tmp_path / "alice.py").symlink_to(SOLUTION)
    with pytest.raises(NoSubmission, match="symbolic link"):
        locate(str(tmp_path / "alice.py"), str(tmp_path))


def test_an_ops_py_in_a_folder_linking_outside_it_is_refused(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "ops.py").symlink_to(SOLUTION)
    with pytest.raises(NoSubmission, match="outside the submission"):
        locate(str(tmp_path / "bob"), str(tmp_path))


def test_an_ops_py_linking_inside_its_own_folder_is_read(tmp_path):
    (tmp_path / "carol" / "hw3").mkdir(parents=True)
    (tmp_path / "carol" / "hw3" / "mine.py").write_text("# carol\n")
    (tmp_path / "carol" / "ops.py").symlink_to(tmp_path / "carol" / "hw3" / "mine.py")
    assert open(locate(str(tmp_path / "carol"), str(tmp_path))).read() == "# carol\n"


def test_zip_and_folder_submissions_are_found(tmp_path):
    (tmp_path / "alice" / "starter").mkdir(parents=True)
    (tmp_path / "alice" / "starter" / "ops.py").write_text("# alice\n")
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as zf:
        zf.writestr("hw3/ops.py", "# bob\n")
    assert open(locate(str(tmp_path / "alice"), str(tmp_path))).read() == "# alice\n"
    assert open(locate(str(tmp_path / "bob.zip"), str(tmp_path))).read() == "# bob\n"


def test_an_archive_without_ops_py_is_no_submission(tmp_path):
    archive = tmp_path / "empty.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("README.md")
        tf.addfile(info, io.BytesIO(b""))
    with pytest.raises(NoSubmission):
        locate(str(archive), str(tmp_path))


@pytest.mark.parametrize("name, sid", [("alice.py", "alice"), ("bob.tar.gz", "bob"),
                                        ("carol", "carol"), ("dan.zip", "dan"),
                                        ("QUINN.PY", "QUINN"), ("Eve.ZIP", "Eve")])
def test_student_id_is_the_entry_name_without_extension(name, sid):
    assert student_id(f"/x/{name}") == sid


def test_a_folder_holding_only_the_handin_archive_is_graded_from_it(tmp_path):
    (tmp_path / "upload").mkdir()
    with tarfile.open(tmp_path / "upload" / "hw3-submission.tar.gz", "w:gz") as tf:
        data = b"# from the archive\n"
        info = tarfile.TarInfo("ops.py")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    path = locate(str(tmp_path / "upload"), str(tmp_path))
    assert open(path).read() == "# from the archive\n"


def test_a_folder_whose_only_python_file_is_not_named_ops_py_is_graded_from_it(tmp_path):
    """Gradescope keeps the uploaded name: "ops (1).py" is still the student's work."""
    (tmp_path / "upload").mkdir()
    (tmp_path / "upload" / "ops (1).py").write_text("# renamed by the browser\n")
    (tmp_path / "upload" / "notes.txt").write_text("hi\n")
    assert open(locate(str(tmp_path / "upload"), str(tmp_path))).read() == \
        "# renamed by the browser\n"


def test_a_folder_with_several_python_files_and_no_ops_py_names_them(tmp_path):
    (tmp_path / "judy").mkdir()
    for name in ("my_ops.py", "ops_v2.py"):
        (tmp_path / "judy" / name).write_text("# ops\n")
    with pytest.raises(NoSubmission) as err:
        locate(str(tmp_path / "judy"), str(tmp_path))
    assert "it holds my_ops.py, ops_v2.py" in str(err.value)
    assert "rename the one to grade to ops.py" in str(err.value)


def test_an_archive_that_is_not_one_says_so_in_a_sentence(tmp_path):
    (tmp_path / "oli.tar.gz").write_bytes(b"this is not gzip data")
    with pytest.raises(NoSubmission) as err:
        locate(str(tmp_path / "oli.tar.gz"), str(tmp_path))
    message = str(err.value)
    assert "oli.tar.gz could not be read" in message and "make submit" in message
    assert "\n" not in message, message


def test_an_upper_case_extension_is_an_entry_and_is_graded(tmp_path):
    from grader.batch import entries

    (tmp_path / "QUINN.PY").write_text("# quinn\n")
    assert entries(str(tmp_path)) == [("QUINN", str(tmp_path / "QUINN.PY"))]
    assert open(locate(str(tmp_path / "QUINN.PY"), str(tmp_path))).read() == "# quinn\n"
