"""What a student's results.json says: how grading ended, what it was graded with, and
whether it is the rubric's.

Every gradebook (grade-all, ``python -m grader gradebook``, the cluster's merge) and
the class report read results.json files through this module, so they agree on a
student's status, on when a grade is stale, and on what counts as a result of this
rubric.  ``python -m grader grade`` writes the record read here into
``extra_data.hw3`` (see grader/cli.py and grader/stamp.py).
"""

from __future__ import annotations

import json
import os

from hw3 import registry

# The one test of a results.json written when the grader itself failed (not the
# submission): such a student is not finished, and grade-all grades them again.
ERROR_TEST = "grader: grading this submission did not finish"
LEGACY_ERROR = "The autograder could not finish grading this submission"
STATUSES = ("graded", "no-submission", "error")


def read(folder: str) -> dict | None:
    """FOLDER/results.json if it is a JSON object with a numeric score, else None."""
    path = os.path.join(folder, "results.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    score = data.get("score") if isinstance(data, dict) else None
    return data if isinstance(score, (int, float)) and not isinstance(score, bool) else None


def record(data: dict) -> dict:
    """The grading record ``extra_data.hw3`` ({} when absent or not an object)."""
    extra = data.get("extra_data")
    hw3 = extra.get("hw3") if isinstance(extra, dict) else None
    return hw3 if isinstance(hw3, dict) else {}


def status_of(data: dict) -> str:
    """"error" (the grader failed), "no-submission" (nothing gradable) or "graded"."""
    recorded = record(data).get("status")
    if recorded in STATUSES:
        return recorded
    if recorded == "unfinished":  # run_autograder's placeholder: the run was killed
        return "error"
    tests = data.get("tests") if isinstance(data.get("tests"), list) else []
    extra = data.get("extra_data") if isinstance(data.get("extra_data"), dict) else {}
    one = tests[0] if len(tests) == 1 and isinstance(tests[0], dict) else {}
    if extra.get("hw3_status") == "error" or one.get("name") == ERROR_TEST or (
            # written before failures were tagged: same test name as a missing ops.py
            str(data.get("output", "")).startswith(LEGACY_ERROR)
            and str(one.get("name", "")).startswith("submission:")):
        return "error"
    if str(one.get("name", "")).startswith("submission:"):
        return "no-submission"
    return "graded"


def error_results(message: str, seconds: float = 0.0) -> dict:
    """results.json when the grader (not the submission) failed: score 0, tagged."""
    from grader import feedback  # (imports the rubric's runner: pytest)

    data = feedback.failed_results(message, seconds)
    data["tests"][0]["name"] = ERROR_TEST
    data["extra_data"] = {"hw3": {"status": "error"}}
    return data


# --------------------------------------------------------------------------- the rubric
def rubric_tests() -> list[tuple[str, float, str, str]]:
    """(name in results.json, points, op or "training", category) of every rubric test,
    in the order ``grade`` writes them (hw3/registry.py's items, hidden included)."""
    return [(f"{op or 'training'}: {check.title}" + (" [hidden]" if hidden else ""),
             float(value), op or "training", check.category)
            for check, op, hidden, value in registry.items()]


def mismatch(data: dict, rubric: list | None = None, rubric_hash: str | None = None) -> str:
    """Why ``data`` is not a results.json of this rubric ("" when it is): its tests
    must be the rubric's (names and points, in order), its score their sum, and the
    rubric it records (when it records one) this one.  A missing submission or a
    grader failure is one test worth nothing."""
    from grader import stamp

    rubric = rubric_tests() if rubric is None else rubric
    rubric_hash = stamp.rubric_hash() if rubric_hash is None else rubric_hash
    tests = data.get("tests")
    if not isinstance(tests, list) or not all(isinstance(t, dict) for t in tests):
        return "it has no list of tests"
    try:
        score, max_score = float(data["score"]), float(data.get("max_score"))
        got = [(str(t.get("name")), float(t.get("max_score")), float(t.get("score")))
               for t in tests]
    except (KeyError, TypeError, ValueError):
        return "a score or max_score is missing or not a number"
    if abs(score - sum(s for _, _, s in got)) > 1e-6:
        return f"its score {score:g} is not the sum of its tests' scores"
    if abs(max_score - sum(m for _, m, _ in got)) > 1e-6:
        return f"its max_score {max_score:g} is not the sum of its tests' points"
    bad = [n for (n, m, s), t in zip(got, tests) if not 0 <= s <= m
           or (t.get("status") == "passed") != (s == m)]
    if bad:
        return f"test {bad[0]!r} has a score outside 0..max or that contradicts its status"
    if status_of(data) in ("no-submission", "error"):
        return "" if score == 0 and len(got) == 1 else (
            f"it says {status_of(data)} but has {len(got)} tests and {score:g} points")
    recorded = record(data).get("rubric_hash")
    if recorded and recorded != rubric_hash:
        return (f"it was graded with another rubric (rubric hash {recorded}; "
                f"hw3/registry.py's is now {rubric_hash})")
    want = [(name, points) for name, points, *_ in rubric]
    if [(n, m) for n, m, _ in got] != want:
        names = {n for n, _, _ in got}
        extra = sorted(names - {n for n, _ in want})
        lacking = sorted({n for n, _ in want} - names)
        other = next((f"{n!r} is worth {m:g} here, {p:g} in the rubric" for (n, m, _), (w, p)
                      in zip(got, want) if n == w and m != p), "their order differs")
        detail = (f"unknown tests {extra[:2]}" if extra else
                  f"missing tests {lacking[:2]}" if lacking else other)
        return f"its tests are not the rubric's ({detail})"
    return ""


# --------------------------------------------------------------------------- freshness
def current(path: str) -> dict:
    """What a grade of the submission at ``path`` must record to be current."""
    from grader import stamp

    return {"submission_sha256": "" if os.path.islink(path) else stamp.submission_sha256(path),
            "grader_version": stamp.grader_version(), "rubric_hash": stamp.rubric_hash()}


def stale(data: dict | None, now: dict) -> str:
    """Why the grade ``data`` is not current for ``now`` (a ``current()``); "" if it is."""
    if data is None:
        return "not graded yet"
    if status_of(data) == "error":
        return "its grading failed last time"
    rec = record(data)
    if not rec.get("submission_sha256") and not rec.get("grader_version"):
        return "graded before results recorded what they were graded with"
    if rec.get("submission_sha256") != now["submission_sha256"]:
        return "the submission changed"
    if rec.get("rubric_hash") != now["rubric_hash"]:
        return "the rubric changed"
    if rec.get("grader_version") != now["grader_version"]:
        return "the grader changed"
    if rec.get("hidden_tests") is False:
        return "graded without the hidden tests"
    why = mismatch(data, rubric_hash=now["rubric_hash"])
    return f"its results.json does not match the rubric ({why})" if why else ""
