"""What students see: the table of `make test`, and Gradescope's results.json."""

from __future__ import annotations

import json

from grader import feedback
from grader.runner import Outcome
from hw3 import registry


def outcomes(failing=(), hidden_message="hidden failure: inputs [1e300, -745.5]"):
    """One outcome per rubric item, all passed but ``failing`` (keys (check, op, hidden))."""
    found = []
    for n, (check, op, hidden, points) in enumerate(registry.items(), 1):
        o = Outcome(f"id{n}", check.key, op or "training", hidden, points, number=n)
        o.passed = (check.key, op or "training", hidden) not in failing
        o.message = "" if o.passed else (hidden_message if hidden else
                                         f"{op}: a public failure. Second sentence.")
        found.append(o)
    return found


def visible_text(results: dict) -> str:
    return "\n".join([results["output"]] + [
        f"{t['name']}\n{t['output']}" for t in results["tests"] if t["visibility"] == "visible"])


def test_a_hidden_failure_shows_nowhere_a_student_can_see_before_publication():
    results = feedback.results_json(outcomes({("forward_extremes", "sigmoid", True)}), 1.0)
    assert "hidden failure" not in visible_text(results)
    hidden = [t for t in results["tests"] if t["status"] == "failed"]
    assert [t["visibility"] for t in hidden] == ["after_published"]
    assert "hidden failure" in hidden[0]["output"]


def test_the_visible_summary_counts_public_points_only():
    results = feedback.results_json(outcomes({("forward_extremes", "sigmoid", True)}), 1.0)
    assert "Public tests: 60 / 60" in results["output"]
    assert "98" not in results["output"] and "100" not in results["output"]
    assert results["score"] == 98


def test_tests_are_numbered_in_rubric_order():
    results = feedback.results_json(outcomes(), 1.0)
    assert [t["number"] for t in results["tests"]] == [str(n) for n in
                                                       range(1, len(results["tests"]) + 1)]


def test_the_output_is_markdown_and_stdout_is_staff_only():
    results = feedback.results_json(outcomes(), 1.0)
    assert results["output_format"] == "md" and results["stdout_visibility"] == "hidden"
    assert "| op | forward | backward | properties |" in results["output"]
    json.dumps(results)  # serialisable as is


def test_each_test_says_its_op_check_and_diagnosis():
    found = outcomes({("backward_exact", "log", False)})
    found[[o.key for o in found].index("backward_exact")].diagnosis = "forgot_upstream"
    extra = [t["extra_data"] for t in feedback.results_json(found, 1.0)["tests"]
             if t["status"] == "failed"]
    assert extra[0]["op"] == "log" and extra[0]["check"] == "backward_exact"


def test_the_student_table_explains_its_marks_and_what_hidden_tests_are_worth():
    public = [o for o in outcomes({("backward_fd", "dot", False)}) if not o.hidden]
    text = feedback.table(public, "title")
    assert feedback.LEGEND in text
    assert "hidden tests worth 40 more" in text
    assert "dot       dot: a public failure." in text


def test_long_messages_are_cut_at_a_sentence_boundary():
    text = "First sentence here. " * 50
    cut = feedback.cut(text, 100)
    assert cut.endswith("here. [...]") and len(cut) <= 100 + 6


def test_a_short_message_is_kept_whole():
    assert feedback.cut("Short. Message.") == "Short. Message."


def test_a_snippet_after_the_first_line_is_kept_whole_however_long_the_first_is():
    text = "Long first sentence. " * 50 + "\nTo check it yourself:\n    import numpy as np"
    cut = feedback.cut(text, 100)
    assert cut.endswith("\nTo check it yourself:\n    import numpy as np")
    assert cut.startswith("Long first sentence.") and "[...]" in cut
