"""The wire format never unpickles; submissions are found safely in files, folders, archives."""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zipfile

import numpy as np
import pytest

from grader import protocol
from grader.submission import NoSubmission, locate, student_id


def frame(header: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(header)) + header + struct.pack(">Q", len(body)) + body


def read_back(data: bytes):
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    try:
        return protocol.read_frame(r, deadline=None)
    finally:
        os.close(r)


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
    with pytest.raises(protocol.ProtocolError):
        read_back(struct.pack(">I", protocol.MAX_HEADER + 1))


def test_a_tar_member_with_a_parent_path_is_read_but_never_written_outside(tmp_path):
    archive = tmp_path / "hw3-submission.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        data = b"# student ops\n"
        info = tarfile.TarInfo("../../escape/ops.py")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    work = tmp_path / "work"
    work.mkdir()
    path = locate(str(archive), str(work))
    assert os.path.commonpath([path, str(work)]) == str(work), path
    assert open(path, "rb").read() == b"# student ops\n"
    assert not (tmp_path.parent / "escape").exists()


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
                                        ("carol", "carol"), ("dan.zip", "dan")])
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
