"""The grader against the catalogs: buggy, valid, numerical and hostile submissions.

Every buggy submission loses points on the op with the mistake, is diagnosed with the
right key, and already loses points in the public tests (what `make test` shows);
every correct-but-different one gets full marks and no diagnosis; every numerical
backward loses exactly its op's backward points; every hostile one is graded within
its limits and costs only its own points; and grading is repeatable.

Everything goes through the command line, as an instructor would use it: one
``python -m grader grade-all ENTRIES --out OUT -j 2`` over all catalog entries (built
by tests/catalog/build.py) plus copies of the reference solution (started by
tests/conftest.py once the suite is collected, so it grades while the rest of the suite
runs; the ``graded`` fixture waits for it), then one test per entry checks its
``results.json`` against ``tests/catalog/expected.json``.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "tests" / "catalog"
sys.path.insert(0, str(CATALOG))
import build  # noqa: E402  (tests/catalog/build.py)

from hw3.registry import CHECKS_BY_KEY, NAMES  # noqa: E402

EXPECTED = build.EXPECTED
REFERENCE = ROOT / "instructor" / "solution" / "ops.py"
HIDDEN_RUBRIC = ROOT / "instructor" / "hidden"
OPS = NAMES

# Two copies of the reference, graded in the same run as the hostile entries; their
# names put one before and one after the catalog entries in any alphabetical order.
REFERENCE_IDS = ("0-reference", "reference")
GRADE_ALL_TIMEOUT = 2400  # s: a hung grade-all fails the tests instead of hanging them
ENTRY_TIME_LIMIT = 300  # s: no single submission may hold the grader longer than this
RESULTS_MAX_BYTES = 1 << 20  # a 100 MB print must not end up in results.json
# An address-space limit at most this big makes the 50 GB entries safe to run here.
SAFE_MEMORY_LIMIT = 8 << 30
# The entry graded a second time with `grade` (item 6): its score depends on which
# shapes the property tests draw, so it would show any non-determinism.
REGRADE_ID = "buggy-multiply_backward_forgets_grad_output_at_random"  # random unless seeded
NUMERICAL_MESSAGE = "must compute the derivative from its formula"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(GRADE_ALL_TIMEOUT + 300)]


def entry_ids(kind: str) -> list[str]:
    return [f"{kind}-{name}" for name, meta in EXPECTED[kind].items()
            if not meta.get("graded_in")]


# --------------------------------------------------------------------------- running
@dataclass
class Run:
    returncode: int | None  # None: killed (after the timeout, or from outside)
    stdout: str
    stderr: str
    seconds: float


def run_grader(args: list[str], timeout: float, folder: Path) -> Run:
    """``python -m grader ARGS``, waited for; its files go to ``folder`` (see
    ``Background``)."""
    folder.mkdir()
    return Background.start(folder, args, tmpdir=None).finish(timeout)


def add_entry(folder: Path, entry_id: str, source: Path) -> None:
    (folder / entry_id).mkdir()
    shutil.copyfile(source, folder / entry_id / "ops.py")


def add_catalog_entry(folder: Path, entry_id: str) -> None:
    kind, name = entry_id.split("-", 1)
    build.write(folder, kind, name, entry_id)


PROBE = '''"""Not a submission: reports the resource limits the grader's child runs under."""
import json
import resource

limits = {{name: resource.getrlimit(getattr(resource, name))[0]
           for name in ("RLIMIT_AS", "RLIMIT_DATA")}}
try:
    with open({path!r}, "w") as f:
        json.dump(limits, f)
finally:
    raise RuntimeError("probe-limits " + json.dumps(limits) + " probe-end")
'''


def memory_limit_of_child(tmp: Path) -> int | None:
    """The smallest address-space/data limit the grader puts on a submission, in bytes.

    Found by grading a probe whose import writes its own limits to a file (and puts
    them in an error message, in case the file cannot be written).  None: unlimited
    or unknown.
    """
    report = tmp / "probe-limits.json"
    (tmp / "probe").mkdir()
    (tmp / "probe" / "ops.py").write_text(PROBE.format(path=str(report)))
    run = run_grader(["grade", str(tmp / "probe"), "--out", str(tmp / "probe-out")], 300,
                     tmp / "probe-run")
    limits = None
    try:
        limits = json.loads(report.read_text())
    except (OSError, ValueError):  # the grader may forbid writing files: read the feedback
        results = tmp / "probe-out" / "results.json"
        text = results.read_text(errors="replace") if results.exists() else ""
        found = re.search(r"probe-limits (\{.*?\}) probe-end", text.replace('\\"', '"'))
        if found:
            limits = json.loads(found.group(1))
    if not limits or run.returncode is None:
        return None
    finite = [v for v in limits.values() if isinstance(v, int) and v >= 0]
    return min(finite) if finite else None


@dataclass
class Graded:
    run: Run
    entries: list[str]
    out: Path
    memory_limit: int | None
    skipped: dict[str, str] = field(default_factory=dict)  # entry id -> why not graded
    scratch: Path | None = None  # grade-all's TMPDIR: every sandbox folder lives there
    lingering: list[str] = field(default_factory=list)  # processes of the run left after it

    def results(self, entry_id: str) -> dict:
        path = self.out / entry_id / "results.json"
        assert path.exists(), (
            f"grade-all wrote no {path.relative_to(self.out)} (exit status "
            f"{self.run.returncode}); its stderr ends with:\n{self.run.stderr[-2000:]}")
        return json.loads(path.read_text())


class Background:
    """``python -m grader ARGS`` left running in its own session, with everything about
    it in files of ``folder``: its output, its process group, and its exit status once it
    ends.  So any process can wait for it or kill it: under pytest-xdist the catalog is
    started by the controller and waited for by whichever worker runs these tests."""

    def __init__(self, folder: Path):
        self.folder = folder
        started = json.loads((folder / "started.json").read_text())
        self.pgid, self.at = started["pgid"], started["at"]

    @classmethod
    def start(cls, folder: Path, args: list[str], tmpdir: Path | None) -> Background:
        script = ('exit_file=$1; shift; "$@"; echo $? > "$exit_file.tmp"; '
                  'mv "$exit_file.tmp" "$exit_file"')
        with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
            proc = subprocess.Popen(
                ["sh", "-c", script, "sh", str(folder / "exit"), sys.executable, "-m", "grader",
                 *args], cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **({"TMPDIR": str(tmpdir)} if tmpdir else {})})
        (folder / "started.json").write_text(json.dumps({"pgid": proc.pid, "at": time.time()}))
        return cls(folder)

    def finish(self, timeout: float) -> Run:
        """Wait until it has ended, killing it once ``timeout`` s have passed since it began."""
        exit_file = self.folder / "exit"
        while (not exit_file.exists() and self._running()
               and time.time() - self.at < timeout):
            time.sleep(0.1)
        code = int(exit_file.read_text()) if exit_file.exists() else None
        if code is None:  # still running after the timeout, or killed from outside
            self.kill()
        out, err = ((self.folder / name).read_text(errors="replace")
                    for name in ("stdout", "stderr"))
        return Run(code, out, err, time.time() - self.at)

    def _running(self) -> bool:
        """Whether the shell that leads its session is still there (not a zombie)."""
        try:
            with open(f"/proc/{self.pgid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def kill(self) -> None:
        """Kill its whole session, if it is still running."""
        if not (self.folder / "exit").exists():
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except OSError:
                pass


def start_grading(folder: Path) -> Background:
    """Write every catalog entry (and the reference copies) to ``folder`` and start
    ``grade-all`` over them, without waiting: tests/conftest.py calls this once the suite is
    collected, so the catalog (the biggest share of the suite's CPU) is graded while the
    other tests run.  What the tests need to know of the run is
    written to ``folder/grading.json`` (see ``Graded``)."""
    from grader.confine import status

    memory_limit = memory_limit_of_child(folder)
    memory_ok = memory_limit is not None and memory_limit <= SAFE_MEMORY_LIMIT
    isolation = status()
    entries_dir = folder / "entries"
    entries_dir.mkdir()
    entries, skipped = [], {}
    for kind in build.KINDS:
        for name, meta in EXPECTED[kind].items():
            entry_id = f"{kind}-{name}"
            if meta.get("graded_in"):
                continue  # graded by that suite (tests/isolation: listeners, memory cgroup)
            if "memory_limit" in meta.get("needs", ()) and not memory_ok:
                skipped[entry_id] = (
                    "not run: the grader's child process has no address-space limit at "
                    f"or below {SAFE_MEMORY_LIMIT >> 30} GB (probe saw "
                    f"{memory_limit!r} bytes), so this entry would really allocate "
                    "tens of GB on this machine")
                continue
            if "isolation" in meta.get("needs", ()) and not isolation.complete:
                skipped[entry_id] = (
                    "not run: the sandbox cannot confine submissions on this machine (so "
                    "this entry would really copy the solution or write outside its "
                    f"folder): {isolation.message}")
                continue
            add_catalog_entry(entries_dir, entry_id)
            entries.append(entry_id)
    for entry_id in REFERENCE_IDS:
        add_entry(entries_dir, entry_id, REFERENCE)
        entries.append(entry_id)
    (folder / "scratch").mkdir()
    (folder / "grading.json").write_text(json.dumps(
        {"entries": entries, "skipped": skipped, "memory_limit": memory_limit}))
    return Background.start(folder, ["grade-all", str(entries_dir), "--out", str(folder / "out"),
                                     "-j", "2"], tmpdir=folder / "scratch")


_FOLDER = pytest.StashKey[Path]()


def catalog_folder(config) -> Path:
    """Where this test session grades the catalog.  An xdist worker is told by the
    controller (tests/conftest.py); any other process chooses it once."""
    if hasattr(config, "workerinput") and "hw3_catalogs" in config.workerinput:
        return Path(config.workerinput["hw3_catalogs"])
    if _FOLDER not in config.stash:
        config.stash[_FOLDER] = config._tmp_path_factory.mktemp("catalogs")
    return config.stash[_FOLDER]


def start_catalog(config) -> None:
    folder = catalog_folder(config)
    if not (folder / "started.json").exists():
        start_grading(folder)


def stop_catalog(config) -> None:
    """Kill the catalog's grade-all if this process started it and it still runs."""
    if _FOLDER in config.stash and (config.stash[_FOLDER] / "started.json").exists():
        Background(config.stash[_FOLDER]).kill()


@pytest.fixture(scope="session")
def graded(request) -> Graded:
    start_catalog(request.config)  # if tests/conftest.py has not
    folder = catalog_folder(request.config)
    run = Background(folder).finish(GRADE_ALL_TIMEOUT)
    grading = json.loads((folder / "grading.json").read_text())
    print(f"\ngrade-all over {len(grading['entries'])} entries took {run.seconds:.0f} s "
          f"(exit {run.returncode})", file=sys.stderr)
    scratch = folder / "scratch"
    lingering = processes_mentioning(str(scratch))
    time.sleep(1)  # then whatever an entry left running could still rewrite results
    return Graded(run, grading["entries"], folder / "out", grading["memory_limit"],
                  grading["skipped"], scratch, lingering)


def processes_mentioning(text: str) -> list[str]:
    """Command lines of the processes whose command line holds ``text``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{pid}: {cmdline[:200]}")
    return found


# --------------------------------------------------------------------------- helpers
def op_of(test: dict) -> str:
    return (test.get("extra_data") or {}).get("op", "")


def ops_named(text: str) -> set[str]:
    return {op for op in OPS if re.search(rf"\b{op}\b", text, re.IGNORECASE)}


def failed(test: dict) -> bool:
    return float(test.get("score", 0)) < float(test.get("max_score", 0))


def own_tests_of(results: dict, ops: set[str]) -> list[dict]:
    """Tests of exactly the ops in ``ops`` (each test says its op in extra_data)."""
    return [t for t in results["tests"] if op_of(t) in ops]


def describe(tests: list[dict]) -> str:
    return "\n".join(f"  - {t['name']}: {t.get('score')}/{t.get('max_score')}: "
                     f"{str(t.get('output', ''))[:300]!r}" for t in tests)


def check_names_op(results: dict, ops: list[str], entry_id: str) -> None:
    failures = [t for t in results["tests"] if failed(t)]
    naming = [t for t in failures if op_of(t) in ops
              or ops_named(t["name"] + "\n" + str(t.get("output", ""))) & set(ops)]
    assert naming, (
        f"{entry_id}: no failed test names {' or '.join(ops)} in its name or feedback; "
        f"failed tests:\n{describe(failures)}")


def check_other_ops_untouched(results: dict, bad_ops: list[str], entry_id: str) -> None:
    """The ops that are correct in the file keep every point of their own tests."""
    good_ops = set(OPS) - set(bad_ops)
    lost = [t for t in own_tests_of(results, good_ops) if failed(t)]
    assert not lost, (
        f"{entry_id}: only {', '.join(bad_ops)} is wrong here, but tests of the correct "
        f"op(s) lost points:\n{describe(lost)}")


def diagnoses(results: dict) -> set[tuple[str, str]]:
    return {(op_of(t), t["extra_data"].get("diagnosis", "")) for t in results["tests"]
            if failed(t) and (t.get("extra_data") or {}).get("diagnosis")}


def public_lost(results: dict) -> float:
    return sum(float(t["max_score"]) - float(t["score"]) for t in results["tests"]
               if t.get("visibility") == "visible")


def skip_if_not_graded(graded: Graded, entry_id: str) -> None:
    if entry_id in graded.skipped:
        pytest.skip(graded.skipped[entry_id])


# --------------------------------------------------------------------------- the run
def test_grade_all_exits_zero_over_every_catalog(graded):
    assert graded.run.returncode == 0, (
        f"grade-all exited with {graded.run.returncode} (None = killed from outside, or "
        f"still running after {GRADE_ALL_TIMEOUT} s); stderr ends with:\n{graded.run.stderr[-3000:]}")


def test_no_process_of_any_entry_outlives_grading(graded):
    """Every sandbox folder of the run lives under its TMPDIR, so every process a
    submission started (the escape_daemon entry's double-forked setsid daemon
    included) has it in its command line: none may be left once grade-all is done,
    nor any of those folders."""
    assert not graded.lingering, "still running after grade-all:\n" + "\n".join(
        graded.lingering)
    left = sorted(str(p.relative_to(graded.scratch)) for p in graded.scratch.iterdir())
    assert not left, f"temp folders left behind: {left}"


def test_grades_csv_has_one_row_per_entry(graded):
    path = graded.out / "grades.csv"
    assert path.exists(), f"no grades.csv in {graded.out}: {sorted(os.listdir(graded.out))}"
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    ids = [row[0] for row in rows[1:]]
    assert sorted(ids) == sorted(graded.entries), (
        f"grades.csv rows (first column) {sorted(ids)} != entries {sorted(graded.entries)}")


def test_grades_csv_scores_match_results_json(graded):
    with open(graded.out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    score_col = next((c for c in rows[0] if c.strip().lower() == "score"), None)
    assert score_col is not None, f"grades.csv has no 'score' column: {list(rows[0])}"
    id_col = next(iter(rows[0]))
    wrong = {row[id_col]: (row[score_col], graded.results(row[id_col])["score"])
             for row in rows
             if float(row[score_col]) != pytest.approx(graded.results(row[id_col])["score"])}
    assert not wrong, f"grades.csv score != results.json score (csv, json): {wrong}"


@pytest.mark.parametrize("entry_id", REFERENCE_IDS)
def test_reference_scores_full_marks_next_to_hostile_entries(graded, entry_id):
    results = graded.results(entry_id)
    lost = [t for t in results["tests"] if failed(t)]
    assert results["score"] == pytest.approx(results["max_score"]) and not lost, (
        f"{entry_id} scored {results['score']}/{results['max_score']}:\n{describe(lost)}")
    assert results["max_score"] == pytest.approx(100)


# --------------------------------------------------------------------------- buggy
@pytest.mark.parametrize("entry_id", entry_ids("buggy"))
def test_buggy_submission_loses_points_on_the_wrong_op(graded, entry_id):
    ops = EXPECTED["buggy"][entry_id.split("-", 1)[1]]["ops"]
    results = graded.results(entry_id)
    assert results["score"] < results["max_score"], (
        f"{entry_id} (a mistake in {', '.join(ops)}) got full marks: "
        f"{results['score']}/{results['max_score']}")
    check_names_op(results, ops, entry_id)
    check_other_ops_untouched(results, ops, entry_id)


@pytest.mark.parametrize("entry_id", entry_ids("buggy"))
def test_buggy_submission_gets_its_diagnosis(graded, entry_id):
    meta = EXPECTED["buggy"][entry_id.split("-", 1)[1]]
    found = diagnoses(graded.results(entry_id))
    want = meta.get("diagnosis")
    if want is None:
        pytest.skip("no diagnosis expected: the feedback states expected vs got only")
    assert any(op in meta["ops"] and key == want for op, key in found), (
        f"{entry_id}: expected the diagnosis {want!r} on {meta['ops']}, got {sorted(found)}")
    wrong_op = {(op, key) for op, key in found if op not in (*meta["ops"], "training")}
    assert not wrong_op, f"{entry_id}: diagnoses on ops without the mistake: {wrong_op}"


@pytest.mark.parametrize("entry_id", entry_ids("buggy"))
def test_make_test_already_shows_what_full_grading_penalises(graded, entry_id):
    """Hidden tests vary the inputs of the public kinds: a mistake they catch, the public
    tests (what `make test` runs) catch too, so `make test` never says all is well
    when grading will take points."""
    results = graded.results(entry_id)
    if results["score"] < results["max_score"]:
        assert public_lost(results) > 0, (
            f"{entry_id}: full grading took {results['max_score'] - results['score']:g} "
            "points, but every public test passed")


# --------------------------------------------------------------------------- valid
@pytest.mark.parametrize("entry_id", entry_ids("valid"))
def test_correct_but_different_submission_gets_full_marks(graded, entry_id):
    results = graded.results(entry_id)
    lost = [t for t in results["tests"] if failed(t)]
    assert results["score"] == pytest.approx(results["max_score"]) and not lost, (
        f"{entry_id} is correct but scored {results['score']}/{results['max_score']}:\n"
        f"{describe(lost)}")
    assert not diagnoses(results), diagnoses(results)


# --------------------------------------------------------------------------- numerical
@pytest.mark.parametrize("entry_id", entry_ids("numerical"))
def test_numerical_backward_earns_no_backward_points(graded, entry_id):
    (op,) = EXPECTED["numerical"][entry_id.split("-", 1)[1]]["ops"]
    results = graded.results(entry_id)
    backward = [t for t in own_tests_of(results, {op})
                if CHECKS_BY_KEY[t["extra_data"]["check"]].category == "backward"]
    assert backward and all(float(t["score"]) == 0 for t in backward), describe(
        [t for t in backward if float(t["score"])])
    assert all(t["extra_data"]["diagnosis"] == "numerical" and NUMERICAL_MESSAGE in t["output"]
               for t in backward), describe(backward)
    assert any(t["visibility"] == "visible" for t in backward)  # `make test` says so too


@pytest.mark.parametrize("entry_id", entry_ids("numerical"))
def test_numerical_backward_keeps_its_forward_and_property_points(graded, entry_id):
    """Forward and property points stay; training stays as earned (a numerical
    backward may be too slow to train within the limit)."""
    (op,) = EXPECTED["numerical"][entry_id.split("-", 1)[1]]["ops"]
    results = graded.results(entry_id)
    lost = [t for t in own_tests_of(results, set(OPS)) if failed(t) and not (
        op_of(t) == op and CHECKS_BY_KEY[t["extra_data"]["check"]].category == "backward")]
    assert not lost, describe(lost)


# --------------------------------------------------------------------------- hostile
@pytest.mark.parametrize("entry_id", entry_ids("hostile"))
def test_hostile_submission_costs_only_its_own_points(graded, entry_id):
    skip_if_not_graded(graded, entry_id)
    meta = EXPECTED["hostile"][entry_id.split("-", 1)[1]]
    results = graded.results(entry_id)
    if "score" in meta:
        assert results["score"] == pytest.approx(meta["score"]), (
            f"{entry_id} cannot run at all, yet scored {results['score']}")
        return
    check_other_ops_untouched(results, meta["affected"], entry_id)
    if meta["must_fail"]:
        assert results["score"] < results["max_score"], (
            f"{entry_id} got full marks although {', '.join(meta['must_fail'])} is wrong")
        check_names_op(results, meta["must_fail"], entry_id)


@pytest.mark.parametrize("entry_id", entry_ids("hostile"))
def test_hostile_submission_is_graded_within_limits(graded, entry_id):
    skip_if_not_graded(graded, entry_id)
    path = graded.out / entry_id / "results.json"
    results = graded.results(entry_id)
    assert path.stat().st_size <= RESULTS_MAX_BYTES, (
        f"{entry_id}: results.json is {path.stat().st_size} bytes; the submission's "
        "output should have been capped")
    assert {"score", "max_score", "tests"} <= set(results), sorted(results)
    seconds = float(results.get("execution_time", 0))
    assert seconds <= ENTRY_TIME_LIMIT, (
        f"{entry_id} held the grader for {seconds:.0f} s (limit {ENTRY_TIME_LIMIT} s)")


def test_results_folder_holds_nothing_a_submission_planted(graded):
    """The write_results_folder entry finds the --out folder (from its ancestors'
    command lines) and writes fake perfect results.json files there; none may survive."""
    planted = []
    for path in sorted(graded.out.rglob("*")):
        if path.is_file() and '"All tests passed. Great job!"' in path.read_text(errors="replace"):
            planted.append(str(path.relative_to(graded.out)))
    assert not planted, f"files written by a submission remain in the output folder: {planted}"


WRITER_ID = "hostile-write_other_students_results"
PLANTED = ROOT / "grader" / "rubric" / "public" / "zz_planted_by_hostile_entry.txt"


def test_no_write_outside_the_sandbox_succeeded(graded):
    """The write_other_students_results entry tries to overwrite other students'
    results.json and to plant a file in the repository, and reports in its feedback
    how many of those writes succeeded: none may have."""
    skip_if_not_graded(graded, WRITER_ID)
    planted = PLANTED.exists()
    PLANTED.unlink(missing_ok=True)
    reports = [re.search(r"write-report: (\d+) of (\d+)", str(t.get("output", "")))
               for t in graded.results(WRITER_ID)["tests"]]
    counts = {(int(m.group(1)), int(m.group(2))) for m in reports if m}
    assert counts and all(done == 0 and tried >= 1 for done, tried in counts), counts
    assert not planted, f"{PLANTED} was written by a submission"
    stray = [p for p in graded.out.rglob("results.json")
             if "PLANTED-BY-HOSTILE" in p.read_text(errors="replace")]
    assert not stray, stray


def hidden_source() -> str:
    return "\n".join(p.read_text() for p in sorted(HIDDEN_RUBRIC.rglob("*.py")))


def student_visible_texts(graded: Graded):
    """(entry, where, text) for everything a student may see: the top-level output and
    every test whose visibility is not "hidden" (after_published is seen eventually)."""
    for entry_id in graded.entries:
        results = graded.results(entry_id)
        yield entry_id, "output", str(results.get("output", ""))
        for t in results["tests"]:
            if t.get("visibility", "visible") != "hidden":
                yield entry_id, t["name"], f"{t['name']}\n{t.get('output', '')}"


def stolen_payloads(text: str) -> list[str]:
    """What the read_hidden_tests* entries smuggled into ``text``: the text after their
    LEAK-BEGIN marker, and their LEAK64: base64 slices decoded."""
    payloads = [part for part in text.split("LEAK-BEGIN")[1:]]
    for chunk in re.findall(r"LEAK64:([A-Za-z0-9+/=]+)", text):
        chunk = chunk[: len(chunk) // 4 * 4]
        try:
            payloads.append(base64.b64decode(chunk).decode(errors="replace"))
        except ValueError:
            pass
    return payloads


def windows(text: str, size: int) -> set[str]:
    flat = " ".join(text.split())
    return {flat[i:i + size] for i in range(len(flat) - size + 1)}


def test_feedback_never_shows_hidden_test_source(graded):
    """Hidden rubric files stay hidden: no line of them (30+ characters) appears in any
    student-visible feedback of any entry."""
    secret = [ln.strip() for ln in hidden_source().splitlines() if len(ln.strip()) >= 30]
    assert secret, f"no hidden rubric source found under {HIDDEN_RUBRIC}"
    leaks = [(e, w, line) for e, w, text in student_visible_texts(graded)
             for line in secret if line in text]
    assert not leaks, "hidden test source reached student-visible feedback:\n" + "\n".join(
        f"  {e} / {w}: {line!r}" for e, w, line in leaks[:10])


def test_feedback_never_carries_pieces_of_stolen_hidden_tests(graded):
    """The read_hidden_tests* entries read the hidden rubric files and send their text
    (raw, or base64-encoded to dodge line-by-line redaction) through prints and error
    messages.  Not even a 20-character piece of it may reach what a student sees."""
    secret = windows(hidden_source(), 20)
    leaks = []
    for entry_id, where, text in student_visible_texts(graded):
        for payload in stolen_payloads(text):
            found = sorted(windows(payload, 20) & secret)
            if found:
                leaks.append(f"  {entry_id} / {where}: {len(found)} pieces, e.g. {found[0]!r}")
    assert not leaks, "pieces of the hidden tests reached student-visible feedback:\n" + (
        "\n".join(leaks[:10]))


def hidden_only_inputs() -> set[float]:
    """Every input value of the hidden cases that no public case holds."""
    import numpy as np

    def values(path):
        with np.load(path) as data:
            return {float(v) for name in data.files if np.issubdtype(data[name].dtype, np.floating)
                    for v in data[name].ravel()}

    return values(HIDDEN_RUBRIC / "cases.npz") - values(ROOT / "grader" / "rubric" / "cases.npz")


def visible_now_texts(graded: Graded):
    """(entry, where, text) for what a student sees before grades are published."""
    for entry_id in graded.entries:
        results = graded.results(entry_id)
        yield entry_id, "output", str(results.get("output", ""))
        for t in results["tests"]:
            if t.get("visibility", "visible") == "visible":
                yield entry_id, t["name"], t.get("output", "")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def test_feedback_never_carries_hidden_test_inputs(graded):
    """A submission that repeats the inputs it was given (LEAKVALS: in an error message or
    a warning) shows only public inputs before grades are published: every public test
    runs before any hidden input reaches the submission."""
    secret = hidden_only_inputs()
    assert secret, "the hidden cases hold no input the public ones lack"
    sent, leaks = 0, []
    for entry_id, where, text in visible_now_texts(graded):
        for chunk in re.findall(r"LEAKVALS:([-+0-9.e,infa]+)", text):
            values = [_number(v) for v in chunk.split(",")[:-1]]  # the last may be cut
            values = [v for v in values if v is not None]
            sent += len(values)
            leaks += [(entry_id, where, v) for v in values if v in secret]
    assert sent, "no entry sent its inputs back (leak_seen_inputs_in_visible_feedback)"
    assert not leaks, "hidden inputs reached student-visible feedback:\n" + "\n".join(
        f"  {e} / {w}: {v!r}" for e, w, v in leaks[:10])


# ---------------------------------------------------------------------- determinism
def test_grading_the_same_submission_twice_gives_identical_scores(graded, tmp_path):
    add_catalog_entry(tmp_path, REGRADE_ID)
    run = run_grader(["grade", str(tmp_path / REGRADE_ID), "--out", str(tmp_path / "out")], 600,
                     tmp_path / "run")
    assert run.returncode == 0, f"grade exited {run.returncode}: {run.stderr[-2000:]}"
    again = json.loads((tmp_path / "out" / "results.json").read_text())
    first = graded.results(REGRADE_ID)
    scores = {t["name"]: t["score"] for t in first["tests"]}
    scores_again = {t["name"]: t["score"] for t in again["tests"]}
    assert (again["score"], scores_again) == (first["score"], scores), (
        f"{REGRADE_ID}: {first['score']} then {again['score']}; tests that differ: "
        f"{ {n: (scores.get(n), scores_again.get(n)) for n in set(scores) | set(scores_again) if scores.get(n) != scores_again.get(n)} }")


# --------------------------------------------------------------------------- the report
def test_the_class_report_of_the_catalogs_renders_with_a_histogram_and_its_mistakes(
        graded, tmp_path):
    """`make report` on the catalogs' grades: the page renders in headless Chromium, with
    the score histogram and a mistakes table naming the diagnosed buggy entries."""
    sys.path.insert(0, str(ROOT / "tests" / "instructor"))
    import headless

    from instructor.report import write

    html, _, cls = write(str(graded.out), str(tmp_path / "report.html"),
                         str(tmp_path / "report.md"), "catalog class")
    assert len(cls.students) == len(graded.entries)
    executable = headless.find()
    if executable is None:
        pytest.skip("no Chromium here: apt-get install -y --no-install-recommends chromium")
    with headless.Browser(executable) as browser:
        browser.load(Path(html).as_uri())
        images = browser.evaluate("Promise.all([...document.images].map(i => i.decode()"
                                  ".then(() => [i.id, i.naturalWidth], () => [i.id, 0])))")
        mistakes = browser.evaluate("document.getElementById('mistakes').innerText")
        browser.screenshot(str(tmp_path / "report.png"))
    assert all(width > 300 for _, width in images), images
    assert "plot-histogram" in {ident for ident, _ in images}, images
    for key in ("forgot_upstream", "swapped", "numerical", "state_between_calls"):
        assert key in mistakes, (key, mistakes[:500])
