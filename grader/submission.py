"""Find the ops.py of a submission: a .py file, a folder holding one, or an archive.

Archives (``make submit``'s hw3-submission.tar.gz, or .tgz/.tar/.zip) are never
extracted as a whole: only the one ``ops.py`` member is read, checked to be a
regular file under a size cap, and written into a fresh temp folder.  So no path
in the archive can reach outside it, and a zip bomb costs at most the cap.

Nothing outside the submission is ever read through it: an entry that is a symbolic
link, an ops.py whose real path leaves the entry's folder, and an archive whose
ops.py is a symbolic or hard link or has an absolute or ``..`` path are refused as a
submission problem (graded 0 with that message), never followed.
"""

from __future__ import annotations

import os
import stat
import tarfile
import tempfile
import zipfile

MAX_OPS_BYTES = 1 << 20       # 1 MB: an ops.py is a few KB
MAX_MEMBERS = 10_000
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


class NoSubmission(Exception):
    """The path exists but holds no usable ops.py (graded as 0, with this message)."""


def is_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)  # BOB.ZIP too


def student_id(path: str) -> str:
    name = os.path.basename(os.path.normpath(path))
    for suffix in (*ARCHIVE_SUFFIXES, ".py"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def _pick(names: list[str]) -> str | None:
    """The ops.py to grade among archive/folder paths: the shallowest, starter/ first."""
    cands = [n for n in names if n.replace("\\", "/").rsplit("/", 1)[-1] == "ops.py"
             and "__MACOSX" not in n and "/solution/" not in "/" + n]
    if not cands:
        return None
    return sorted(cands, key=lambda n: (n.count("/"), "starter" not in n, n))[0]


LINK_ADVICE = ("The grader reads only files that are really in the submission; hand in "
               "the file itself (make submit writes a valid archive).")


def _outside(path: str, root: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real != top and not real.startswith(top.rstrip(os.sep) + os.sep)


def _unsafe_member(name: str) -> bool:
    """An absolute path, a drive, or a '..' part: a name that points outside the archive."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or (len(parts[0]) == 2 and parts[0][1] == ":") \
        or ".." in parts


def locate(sub: str, workdir: str) -> str:
    """Path of an ops.py on disk for ``sub`` (copied into ``workdir`` if from an archive).

    Raises FileNotFoundError if ``sub`` does not exist, NoSubmission if it holds no
    ops.py, or one that is reached through a link or a path leaving the submission.
    """
    if os.path.islink(os.path.normpath(sub)):
        raise NoSubmission(f"{os.path.basename(os.path.normpath(sub))} is a symbolic link "
                           f"(to somewhere else), not a submission. {LINK_ADVICE}")
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
            archive = _only_file(sub, is_archive)
            return _from_archive(archive, workdir) if archive else _only_python_file(sub)
        path = os.path.join(sub, pick)
        if _outside(path, sub):
            raise NoSubmission(f"{pick} is a symbolic link (or lies in a linked folder) "
                               f"pointing outside the submission. {LINK_ADVICE}")
        return _checked(path)
    if is_archive(sub):
        return _from_archive(sub, workdir)
    if sub.lower().endswith(".py"):
        return _checked(sub)
    raise NoSubmission(f"{os.path.basename(sub)} is not an ops.py, a folder or an archive "
                       "(.tar.gz, .tgz, .tar, .zip).")


def _only_file(folder: str, wanted) -> str | None:
    """The path of the folder's only file whose name ``wanted`` accepts (None when there
    is not exactly one); NoSubmission when it links outside the folder."""
    names = sorted(n for n in os.listdir(folder) if wanted(n)
                   and os.path.isfile(os.path.join(folder, n)))
    if len(names) != 1:
        return None
    if _outside(os.path.join(folder, names[0]), folder):
        raise NoSubmission(f"{names[0]} is a symbolic link to a file outside the submission. "
                           f"{LINK_ADVICE}")
    return os.path.join(folder, names[0])


def _only_python_file(folder: str) -> str:
    """The folder's only .py file when it has no ops.py (a hand-in saved as "ops (1).py"
    or my_ops.py is still graded); NoSubmission naming the .py files otherwise."""
    path = _only_file(folder, lambda n: n.lower().endswith(".py"))
    if path:
        return _checked(path)
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".py"))
    held = f"; it holds {', '.join(names[:5])}{', ...' if len(names) > 5 else ''}" \
        if names else ""
    raise NoSubmission(f"no ops.py found in the folder {os.path.basename(folder)}{held}. "
                       "The grader grades the file named ops.py (or a folder's only .py "
                       "file): rename the one to grade to ops.py.")


def _checked(path: str) -> str:
    if not os.path.isfile(path):
        raise NoSubmission(f"{path} is not a regular file.")
    if os.path.getsize(path) > MAX_OPS_BYTES:
        raise NoSubmission(f"ops.py is larger than {MAX_OPS_BYTES >> 20} MB.")
    return path


def _member_problem(name: str, kind: str | None) -> str:
    what = f"is {kind}" if kind else "has a path outside the archive (absolute or with '..')"
    return (f"the archive's ops.py ({name!r}) {what}, so it was not read. {LINK_ADVICE}")


def _from_archive(path: str, workdir: str) -> str:
    try:
        if path.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()[:MAX_MEMBERS]
                pick = _pick([i.filename for i in infos if not i.is_dir()])
                if pick is None:
                    raise NoSubmission("the archive holds no ops.py.")
                info = zf.getinfo(pick)
                if stat.S_ISLNK(info.external_attr >> 16) or _unsafe_member(pick):
                    raise NoSubmission(_member_problem(pick, "a symbolic link"
                                                       if stat.S_ISLNK(info.external_attr >> 16)
                                                       else None))
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
                named = {m.name: m for m in members if not m.isdir()}
                pick = _pick(list(named))
                if pick is None:
                    raise NoSubmission("the archive holds no ops.py.")
                member = named[pick]
                if not member.isfile() or _unsafe_member(pick):
                    kind = ("a symbolic link" if member.issym() else "a hard link"
                            if member.islnk() else None if member.isfile() else
                            "not a regular file")
                    raise NoSubmission(_member_problem(pick, kind))
                if member.size > MAX_OPS_BYTES:
                    raise NoSubmission("ops.py in the archive is larger than 1 MB.")
                stream = tf.extractfile(member)
                data = stream.read(MAX_OPS_BYTES + 1) if stream else b""
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as err:
        raise NoSubmission(f"the archive {os.path.basename(path)} could not be read (it is not "
                           "a complete .tar.gz, .tgz, .tar or .zip file: "
                           f"{str(err).splitlines()[0][:120]}). Make it again with `make "
                           "submit`, or hand in ops.py itself.") from err
    if len(data) > MAX_OPS_BYTES:
        raise NoSubmission("ops.py in the archive is larger than 1 MB.")
    target = os.path.join(tempfile.mkdtemp(dir=workdir), "ops.py")
    with open(target, "wb") as f:
        f.write(data)
    return target
