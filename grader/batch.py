"""`grade-all`: every student of a folder, each graded by its own `grade` process.

One process per submission keeps the students apart (and lets -j N run them in
parallel); a submission whose grading fails or hangs gets a results.json with
score 0 and the reason, and the rest go on.

Re-runs regrade exactly what changed (grader/results.py, ``stale``): a student whose
submission's sha256 differs from the one its results.json records, everyone when the
grader's version or the rubric's hash differs, a student whose grading failed on the
grader's side (crash, timeout: status error), and one whose results.json is not the
rubric's.  ``--only ID`` regrades those students, ``--force`` everyone.  The gradebook
(grades.csv, the Canvas export) is written at the end by grader/gradebook.py from the
results kept in memory, the same code as `python -m grader gradebook` and the
cluster's merge.

Entries: every folder, ``.py`` file and archive (.tar.gz, .tgz, .tar, .zip) of the
folder, except names starting with ``.`` or ``_``; other files are listed as ignored.
A student's id is the entry's name without extension, made printable (bytes that are
not UTF-8 and control characters become U+FFFD) and unique (``~2``, ``~3``, ...), and
never one of the gradebook's own file names in OUT (grades.csv, ...).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from grader import gradebook
from grader.cli import UsageError
from grader.confine import HIDE_ENV
from grader.planted import remove_planted, snapshot
from grader.results import ERROR_TEST, LEGACY_ERROR, current, error_results, stale, status_of
from grader.results import read as read_results
from grader.submission import ARCHIVE_SUFFIXES, student_id
from hw3.atomic import write_json

__all__ = ["ERROR_TEST", "error_results", "read_results", "status_of", "write_json"]

PER_SUBMISSION_TIMEOUT = 900  # seconds; grading one normally takes 10-30 s


def printable_id(name: str) -> str:
    """``name`` as text that prints and encodes anywhere (a CSV cell, a terminal)."""
    text = os.fsencode(name).decode("utf-8", "replace")
    return "".join(c if c.isprintable() else "\ufffd" for c in text) or "_"


def _is_entry(name: str, path: str) -> bool:
    return os.path.isdir(path) or name.lower().endswith((*ARCHIVE_SUFFIXES, ".py"))


def entries(folder: str) -> list[tuple[str, str]]:
    """(student id, path) for every student entry in ``folder``, sorted by id."""
    found: dict[str, str] = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith((".", "_")) or not _is_entry(name, path):
            continue
        sid = printable_id(student_id(path))
        if sid in found:
            sid = printable_id(name)  # two entries with the same stem: keep both apart
        base, n = sid, 2
        while sid in found or sid in gradebook.RESERVED:  # printable twins; OUT's own files
            sid, n = f"{base}~{n}", n + 1
        found[sid] = path
    return sorted(found.items())


def class_entries(folder: str) -> list[tuple[str, str]]:
    """``entries(folder)``, or a UsageError when it is not a folder or holds none."""
    if not os.path.isdir(folder):
        raise UsageError(f"{folder} is not a folder. Give a folder holding one entry per "
                         "student (an ops.py, a folder, or an archive each).")
    stems: dict[str, list[str]] = {}
    for name in sorted(os.listdir(folder)):
        if not name.startswith((".", "_")) and _is_entry(name, os.path.join(folder, name)):
            stems.setdefault(student_id(os.path.join(folder, name)), []).append(name)
    twins = [names for names in stems.values() if len(names) > 1]
    if twins:
        listed = "; ".join(" and ".join(printable_id(n) for n in names) for names in twins[:5])
        raise UsageError(f"{listed}: two entries for the same student in {folder} (a "
                         "student's id is the entry's name without its extension). Keep the "
                         "one to grade and move the other out of the folder, then run again; "
                         "nothing was graded.")
    found = entries(folder)
    if not found:
        raise UsageError(f"{folder} holds no submissions (.py files, folders, or .tar.gz/"
                         ".tgz/.tar/.zip archives; names starting with '.' or '_' are "
                         "skipped).")
    return found


def ignored(folder: str) -> list[str]:
    """Names in ``folder`` that grade-all does not grade (printable)."""
    return [printable_id(name) for name in sorted(os.listdir(folder))
            if not name.startswith((".", "_"))
            and not _is_entry(name, os.path.join(folder, name))]


def finished(out_dir: str) -> dict | None:
    """The results of a student whose grading is done (not a grader-side failure)."""
    data = read_results(out_dir)
    return data if data is not None and status_of(data) != "error" else None


def add_note(data: dict, note: str) -> dict:
    """Record ``note`` (the isolation warning) in ``extra_data.hw3.isolation``: staff
    read it there (and the report shows it); students never see it."""
    if note:
        extra = data.setdefault("extra_data", {})
        if isinstance(extra, dict):
            record = extra.setdefault("hw3", {})
            if isinstance(record, dict):
                record["isolation"] = note
    return data


def grade_entry(path: str, hide=(), note: str = "",
                timeout: float = PER_SUBMISSION_TIMEOUT, graders: int = 1,
                server=None) -> tuple[str, dict]:
    """Grade one entry in its own `grade` process; (status, results).

    ``hide``: folders the submission's process must not see (the class's submissions
    and results); ``note``: the isolation warning, recorded in the results;
    ``graders``: how many grade processes run at once (they share the memory budget,
    grader/memory.py); ``server``: a ``grader.forkserver.ForkServer`` of role "grade"
    to fork the process from (grade-all: Python, pytest and numpy imported once),
    else a fresh ``python -m grader``."""
    from grader.cli import NOTE_ENV
    from grader.memory import GRADERS_ENV
    from grader.sandbox import owner_tag

    private = tempfile.mkdtemp(prefix=f"hw3-grade-all-{owner_tag()}-")
    out, scratch = os.path.join(private, "out"), os.path.join(private, "tmp")
    os.mkdir(scratch)
    start = time.monotonic()
    args = ["grade", path, "--out", out]
    # The `grade` process makes its temp folders (the copied submission, the sandboxes'
    # folders) in `scratch`: removed below even when it was killed and could not.
    changes = {"PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
               "PYTHONIOENCODING": "utf-8:backslashreplace", "TMPDIR": scratch,
               GRADERS_ENV: str(max(1, graders)), NOTE_ENV: note}
    hidden = [os.path.abspath(p) for p in hide if p]
    if hidden:
        changes[HIDE_ENV] = os.pathsep.join([*hidden, *filter(None, [os.environ.get(HIDE_ENV)])])
    try:
        if server is None:
            code, output = _run_fresh(args, {**os.environ, **changes}, timeout)
        else:
            from grader.forkserver import ServerError

            try:
                code, output = _run_forked(server, args, changes, private, timeout)
            except ServerError as err:  # this student's grade fails; the batch goes on
                code, output = 1, str(err)
        data = read_results(out) if code == 0 else None
        detail = output if code is not None else f"grading took longer than {timeout:g} s"
    finally:
        shutil.rmtree(private, ignore_errors=True)
    if data is None or status_of(data) == "error":
        data = error_results(
            f"{LEGACY_ERROR}; the course staff will look at it. ({detail.strip()})",
            time.monotonic() - start)
        # what it was meant to grade, so the record says which submission failed
        data["extra_data"]["hw3"].update(current(path), status="error")
    return status_of(data), add_note(data, note)


def _run_fresh(args: list[str], env: dict, timeout: float) -> tuple[int | None, str]:
    """(exit code or None after ``timeout``, the end of its output) of `python -m grader ARGS`."""
    try:
        proc = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, ""
    return proc.returncode, (proc.stderr or proc.stdout).decode(errors="replace")[-1500:]


def _run_forked(server, args: list[str], changes: dict, private: str, timeout: float
                ) -> tuple[int | None, str]:
    """The same, forked from ``server``; its whole session is killed after ``timeout``."""
    paths = [os.path.join(private, name) for name in ("stdout", "stderr")]
    fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for p in paths]
    exit_r, exit_w = os.pipe()
    os.set_inheritable(exit_r, False)
    try:
        child = server.spawn({"argv": args, "cwd": os.getcwd(), "env": changes},
                             {"out": fds[0], "err": fds[1], "exit": exit_w}, exit_r)
    except BaseException:
        os.close(exit_r)
        raise
    finally:
        for fd in (*fds, exit_w):
            os.close(fd)
    try:
        code = child.wait(timeout)
    except subprocess.TimeoutExpired:
        code = None
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            pass
    finally:
        child.release()
    texts = []
    for p in paths:
        with open(p, "rb") as f:
            f.seek(max(0, os.path.getsize(p) - 1500))
            texts.append(f.read().decode(errors="replace"))
    return code, (texts[1] or texts[0])[-1500:]


def grade_one(sid: str, path: str, out: str, hide=(), note: str = "", graders: int = 1,
              server=None) -> tuple[str, str, dict]:
    """Grade one entry into OUT/<sid>/results.json; (id, status, results)."""
    status, data = grade_entry(path, hide, note, graders=graders, server=server)
    write_json(os.path.join(out, sid, "results.json"), data)
    return sid, status, data


def isolation_note() -> str:
    """The warning every results.json of this run carries when isolation is incomplete."""
    from grader.confine import status

    return status().message


def plan(todo: list[tuple[str, str]], out: str, force: bool = False, only=()
         ) -> tuple[dict[str, dict], list[tuple[str, str, str]]]:
    """(results that are current, [(id, path, why) to grade]) for the entries ``todo``."""
    keep, pending = {}, []
    for sid, path in todo:
        data = read_results(os.path.join(out, sid))
        why = ("--force" if force else "--only" if sid in only
               else stale(data, current(path)))
        if why:
            pending.append((sid, path, why))
        else:
            keep[sid] = data
    return keep, pending


def _reasons(pending) -> str:
    counts: dict[str, int] = {}
    for _, _, why in pending:
        counts[why] = counts.get(why, 0) + 1
    return "; ".join(f"{why}: {n}" for why, n in counts.items())


def grade_all(folder: str, out: str, jobs: int = 1, force: bool = False, only=(),
              adjustments: str | None = None, roster: str | None = None,
              assignment: str = "HW3") -> int:
    """Grade what changed in ``folder`` into ``out``, then write the gradebook.
    0 when the gradebook was written, 1 when it was refused (the old one stands)."""
    todo = class_entries(folder)
    ids = [sid for sid, _ in todo]
    unknown = sorted(set(only) - set(ids))
    if unknown:
        raise UsageError(f"--only {', '.join(unknown)}: no such student in {folder} (ids are "
                         "entry names without extension, as in grades.csv; e.g. "
                         f"{', '.join(ids[:3])}).")
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out} exists and is not a folder; give a folder.")
    real_out, real_subs = os.path.realpath(out), os.path.realpath(folder)
    if real_out == real_subs or real_out.startswith(real_subs + os.sep) \
            or real_subs.startswith(real_out + os.sep):
        raise UsageError(f"--out {out} and the submissions folder {folder} overlap: results "
                         "would land among the students' entries (and be taken for "
                         "submissions next time). Give an --out folder outside the "
                         "submissions, e.g. grades/ next to it.")
    # The adjustments and the roster are checked before any grading: a typo stops the
    # run now, not after an hour of grading.
    warned: list[str] = []
    adj, people = gradebook.inputs(out, ids, adjustments, roster, warn=warned.append)
    for text in warned:
        print(f"warning: {text} Grading goes on; grades.csv will be written.", file=sys.stderr,
              flush=True)
    with gradebook.locked(out, "grade-all"):
        return _grade_all(folder, out, todo, jobs, force, only, adj, people, assignment,
                          warned)


def _grade_all(folder, out, todo, jobs, force, only, adj, people, assignment,
               warned=()) -> int:
    from grader.confine import route
    from grader.forkserver import ForkServer
    from grader.sandbox import remove_stale_folders

    remove_stale_folders()  # of an earlier grade-all (or grade) killed before it cleaned up
    for stream in (sys.stdout, sys.stderr):  # ids are printable, but maybe not in ASCII
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    before = snapshot(out)
    note = isolation_note()
    if note:
        print(note, file=sys.stderr, flush=True)
    # Results live in memory; at the end every results.json and the gradebook are
    # rewritten from it, so nothing a submission wrote into OUT while it ran survives.
    results, pending = plan(todo, out, force, set(only))
    skipped = ignored(folder)
    if skipped:
        print(f"ignored (not a .py file, folder or archive): {', '.join(skipped)}",
              flush=True)
    print(f"{len(todo)} submissions, {len(results)} up to date, grading {len(pending)} "
          f"with {jobs} job(s)" + (f" ({_reasons(pending)})" if pending else "") + ".",
          flush=True)
    start = time.monotonic()
    hide = (folder, out)
    status = {sid: status_of(data) for sid, data in results.items()}
    server = ForkServer(route(), role="grade")  # each `grade` is a fork of it
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for n, (sid, state, data) in enumerate(pool.map(
                    lambda e: grade_one(e[0], e[1], out, hide, note, jobs, server), pending), 1):
                results[sid], status[sid] = data, state
                print(f"[{n}/{len(pending)}] {sid}: {float(data['score']):g} ({state})",
                      flush=True)
    finally:
        server.stop()
    for sid, data in results.items():
        write_json(os.path.join(out, sid, "results.json"), data)
    ours = [os.path.join(out, sid, "results.json") for sid in results]
    code = 0
    try:
        written = gradebook.write(
            out, results, adj, people, assignment,
            regrade=f"Grade them again: python -m grader grade-all {folder} --out {out} "
                    "--only ID (or --force).")
        ours += written.paths
    except gradebook.Refused as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        written, code = None, 1
    planted = remove_planted(out, before, ours)
    if planted:
        print(f"removed {len(planted)} file(s) written into {out} during grading "
              "(not the grader's).", flush=True)
    errors = sorted(sid for sid, s in status.items() if s == "error")
    print(f"done in {time.monotonic() - start:.0f} s"
          + (f"; {written.summary()}" if written else "; gradebook NOT written")
          + (f"\ngrading failed (run grade-all again to retry): {', '.join(errors)}"
             if errors else ""))
    for text in warned:
        print(f"warning: canvas.csv was not written: {text}", file=sys.stderr, flush=True)
    orphans = sorted(set(gradebook.students_in(out)) - set(results))
    if orphans:
        print(f"note: {out} also holds results with no entry in {folder} any more "
              f"({', '.join(orphans[:10])}{' ...' if len(orphans) > 10 else ''}): they are not "
              "in grades.csv, but make gradebook and make report read them. Move those "
              f"folders out of {out} to drop them everywhere.", flush=True)
    if note:
        print(note, file=sys.stderr, flush=True)
    return code
