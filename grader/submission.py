"""Find the ops.py of a submission: a .py file, a folder holding one, or an archive.

Archives (``make submit``'s hw3-submission.tar.gz, or .tgz/.tar/.zip) are never
extracted as a whole: only the one ``ops.py`` member is read, checked to be a
regular file under a size cap, and written into a fresh temp folder.  So no path
in the archive can reach outside it, and a zip bomb costs at most the cap.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
import zipfile

MAX_OPS_BYTES = 1 << 20       # 1 MB: an ops.py is a few KB
MAX_MEMBERS = 10_000
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


class NoSubmission(Exception):
    """The path exists but holds no usable ops.py (graded as 0, with this message)."""


def is_archive(path: str) -> bool:
    return path.endswith(ARCHIVE_SUFFIXES)


def student_id(path: str) -> str:
    name = os.path.basename(os.path.normpath(path))
    for suffix in (*ARCHIVE_SUFFIXES, ".py"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _pick(names: list[str]) -> str | None:
    """The ops.py to grade among archive/folder paths: the shallowest, starter/ first."""
    cands = [n for n in names if n.replace("\\", "/").rsplit("/", 1)[-1] == "ops.py"
             and "__MACOSX" not in n and "/solution/" not in "/" + n]
    if not cands:
        return None
    return sorted(cands, key=lambda n: (n.count("/"), "starter" not in n, n))[0]


def locate(sub: str, workdir: str) -> str:
    """Path of an ops.py on disk for ``sub`` (copied into ``workdir`` if from an archive).

    Raises FileNotFoundError if ``sub`` does not exist, NoSubmission if it holds no ops.py.
    """
    if not os.path.exists(sub):
        raise FileNotFoundError(sub)
    if os.path.isdir(sub):
        found = []
        for folder, dirs, files in os.walk(sub):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in (
                "__pycache__", "node_modules", ".venv", "venv")]
            if os.path.relpath(folder, sub).count(os.sep) > 3:
                dirs[:] = []
            if "ops.py" in files:
                found.append(os.path.relpath(os.path.join(folder, "ops.py"), sub))
        pick = _pick([f.replace(os.sep, "/") for f in found])
        if pick is None:
            # Gradescope puts the uploaded file in a folder: an archive handed in as is.
            archives = sorted(n for n in os.listdir(sub) if is_archive(n)
                              and os.path.isfile(os.path.join(sub, n)))
            if len(archives) == 1:
                return _from_archive(os.path.join(sub, archives[0]), workdir)
            raise NoSubmission(f"no ops.py found in the folder {os.path.basename(sub)}.")
        return _checked(os.path.join(sub, pick))
    if is_archive(sub):
        return _from_archive(sub, workdir)
    if sub.endswith(".py"):
        return _checked(sub)
    raise NoSubmission(f"{os.path.basename(sub)} is not an ops.py, a folder or an archive "
                       "(.tar.gz, .tgz, .tar, .zip).")


def _checked(path: str) -> str:
    if not os.path.isfile(path):
        raise NoSubmission(f"{path} is not a regular file.")
    if os.path.getsize(path) > MAX_OPS_BYTES:
        raise NoSubmission(f"ops.py is larger than {MAX_OPS_BYTES >> 20} MB.")
    return path


def _from_archive(path: str, workdir: str) -> str:
    try:
        if path.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()[:MAX_MEMBERS]
                pick = _pick([i.filename for i in infos if not i.is_dir()])
                if pick is None:
                    raise NoSubmission("the archive holds no ops.py.")
                info = zf.getinfo(pick)
                if info.file_size > MAX_OPS_BYTES:
                    raise NoSubmission("ops.py in the archive is larger than 1 MB.")
                data = zf.read(info)[: MAX_OPS_BYTES + 1]
        else:
            with tarfile.open(path, "r:*") as tf:
                members = []
                for member in tf:
                    members.append(member)
                    if len(members) >= MAX_MEMBERS:
                        break
                files = {m.name: m for m in members if m.isfile()}
                pick = _pick(list(files))
                if pick is None:
                    raise NoSubmission("the archive holds no ops.py (as a regular file).")
                member = files[pick]
                if member.size > MAX_OPS_BYTES:
                    raise NoSubmission("ops.py in the archive is larger than 1 MB.")
                stream = tf.extractfile(member)
                data = stream.read(MAX_OPS_BYTES + 1) if stream else b""
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise NoSubmission(f"the archive could not be read ({err}).") from err
    if len(data) > MAX_OPS_BYTES:
        raise NoSubmission("ops.py in the archive is larger than 1 MB.")
    target = os.path.join(tempfile.mkdtemp(dir=workdir), "ops.py")
    with open(target, "wb") as f:
        f.write(data)
    return target
