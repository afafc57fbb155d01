"""The typed report (autograder/grading/report.py): built by the grader's own code path, read back
from its JSON unchanged, and strict about what it holds (what the worker said is never trusted as
structure). In-process and cheap: no worker is started."""
from __future__ import annotations

import io
import json
import math
from types import SimpleNamespace

import pytest
from rich.console import Console

from autograder.config import load_course
from autograder.grading import api
from autograder.grading.api import GraderError, grade_report, grade_submission
from autograder.grading.extraction import CodeCell
from autograder.grading.report import CLASS_KEYS, Late, Report, ReportError, SubmissionInfo
from autograder.grading.submission import submission_from_cells
from autograder.grading.summary import print_summary
from autograder.workflow.grade_class import failed_report, is_current, read_report, write_report

COURSE = load_course()
ASSIGNMENT = "convolutions"
PARTS = list(COURSE.assignment(ASSIGNMENT).parts)

#: The contract's top-level keys, in the order ``autograder grade --json`` writes them.
CONTRACT_ORDER = ["assignment", "status", "score", "max_score", "parts", "flags", "notes", "load_error", "sandbox",
                  "lockdown", "device", "seed", "profile", "grader_version", "timings"]


def session_result(**changes) -> dict:
    """What a grading session writes (grading/plugin.py), for a submission that passes all but one test."""
    tests = [{"name": f"test_{part}_{kind}", "part": part, "kind": kind, "builds_on": [],
              "passed": not (part == "max_pool2d" and kind == "matches_reference"),
              "message": "" if not (part == "max_pool2d" and kind == "matches_reference")
              else "Entrada: x: (1, 1, 4, 4)\nEsperado: ...", "input": "shrunk"}
             for part in PARTS for kind in ("matches_reference", "examples")]
    result = {"finished": True, "tests": tests, "ops_by_part": {}, "refused_by_part": {}, "tampering_by_part": {},
              "lockdown": {"seccomp": True, "no_new_privs": True, "banned_overloads": 120},
              "load": {"ok": True, "error": None, "traceback": "", "defined": PARTS}, "sandbox": "rlimits",
              "worker_notes": [], "internal_errors": [], "collection_errors": [], "budget_spent": False,
              "gave_up": {"conv2d": {"test": "test_conv2d_examples", "kind": "timeout"}},
              "timings": {"worker_ready_s": 0.5, "tests_s": 1.25, "tests_cpu_s": None}}
    result.update(changes)
    return result


@pytest.fixture
def graded(monkeypatch):
    """``grade_report`` down its real path (extraction, scoring, the report's construction), with the
    session replaced by a canned result: ``graded(**changes)`` -> Report."""
    source = "def conv2d(x, w):\n    return x\n\ndef max_pool2d(x, k):\n    return x\n"
    submission = submission_from_cells([CodeCell("celda 1", source)], PARTS)

    def grade(**changes):
        monkeypatch.setattr(api, "_run_session", lambda *a, **k: (session_result(**changes), False))
        return grade_report(COURSE, submission, ASSIGNMENT, profile="gate", seed=7)
    return grade


def test_a_report_from_the_grading_path_round_trips_through_its_json(graded):
    report = graded()
    data = report.to_json()
    assert list(data) == CONTRACT_ORDER  # no class-grading key before the class grading sets one
    assert list(data["parts"]) == PARTS and data["parts"]["conv2d"]["cells"] == ["celda 1"]
    assert list(data["parts"]["conv2d"]["tests"][0]) == ["name", "passed", "message", "kind", "points",
                                                        "max_points", "input"]
    assert [f["kind"] for f in data["flags"]] == ["timeout"]
    text = json.dumps(data, ensure_ascii=False, indent=2)
    again = Report.from_json(json.loads(text))
    assert again == report and json.dumps(again.to_json(), ensure_ascii=False, indent=2) == text
    assert report.score == pytest.approx(sum(p.score for p in report.parts.values()))


def test_a_load_error_report_round_trips_and_grade_submission_is_its_json(tmp_path):
    broken = tmp_path / "convolutions.ipynb"
    broken.write_text("{ esto no es un cuaderno", encoding="utf-8")
    data = grade_submission(COURSE, broken, ASSIGNMENT)  # nothing can be extracted: no worker starts
    assert data["status"] == "load_error" and data["score"] == 0 and list(data) == CONTRACT_ORDER
    assert Report.from_json(json.loads(json.dumps(data))).to_json() == data


def test_class_keys_appear_once_set_and_a_failed_report_is_valid():
    report = failed_report(COURSE, ASSIGNMENT, "RuntimeError: boom")
    assert report.status == "error" and report.score == 0 and not any(k in report.to_json() for k in CLASS_KEYS)
    later = report.model_copy(update={"submission": SubmissionInfo(student="ana", cache_key="k"),
                                      "late": Late(days_late=1, fraction=0.1, penalty=0.0), "final_score": 0.0})
    data = later.to_json()
    assert list(data)[-3:] == ["submission", "late", "final_score"] and "record_error" not in data
    assert Report.from_json(data) == later
    assert not is_current(later, "k")  # the grader's own failure is never reused
    assert not is_current(report, "k")  # nor a report that does not say what it was graded under


@pytest.mark.parametrize("path, value", [
    (("score",), math.nan),
    (("max_score",), math.inf),
    (("score",), -1.0),
    (("score",), "90"),                                     # a number written as text
    (("status",), "graded<script>"),
    (("flags",), [{"part": None, "kind": "whatever", "message": ""}]),
    (("timings", "total_s"), math.nan),
    (("seed",), 1.5),
    (("parts", "conv2d", "score"), math.inf),
    (("parts", "conv2d", "tests", 0, "passed"), 1),         # an int is not a verdict
    (("parts", "conv2d", "tests", 0, "passed"), "True"),
    (("parts", "conv2d", "tests", 0, "message"), {"$array": 0}),  # structure where text belongs
    (("parts", "conv2d", "tests", 0, "points"), -0.5),
    (("parts", "conv2d", "tests", 0, "input"), "../../etc/passwd"),
    (("parts", "conv2d", "notes"), "a string is not a list"),
    (("lockdown", "seccomp"), "yes"),
    (("late",), {"days_late": -1}),
    (("final_score",), math.inf),
])
def test_malformed_or_hostile_values_are_refused(path, value):
    data = failed_report(COURSE, ASSIGNMENT, "x").to_json()
    data["lockdown"] = {"seccomp": True}
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ReportError):
        Report.from_json(data)


def test_a_session_that_says_something_no_report_holds_is_the_graders_error(graded):
    with pytest.raises(GraderError, match="not a valid report"):
        graded(timings={"tests_s": math.nan})
    with pytest.raises(GraderError, match="not a valid report"):
        graded(sandbox={"kind": "rlimits"})
    tests = session_result()["tests"]
    tests[0]["passed"] = "yes"
    with pytest.raises(GraderError, match="not a valid report"):
        graded(tests=tests)


def test_read_back_ignores_unknown_keys_and_refuses_what_is_not_a_report(tmp_path):
    course = SimpleNamespace(course_dir=tmp_path)  # the layout needs only the course folder
    report = failed_report(COURSE, ASSIGNMENT, "x").model_copy(
        update={"submission": SubmissionInfo(student="ana", cache_key="k")})
    path = write_report(course, ASSIGNMENT, "ana", report)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["written_by_a_newer_grader"] = {"anything": [1, 2]}
    data["parts"]["conv2d"]["extra"] = 1
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_report(course, ASSIGNMENT, "ana") == report
    data["score"] = "NaN"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_report(course, ASSIGNMENT, "ana") is None  # not a report: graded again
    path.write_text("[1, 2", encoding="utf-8")
    assert read_report(course, ASSIGNMENT, "ana") is None


def test_the_summary_prints_student_text_as_text_never_as_markup(graded):
    hostile = "[/] [bold red]falso[/] [link=http://x]y[/link]"
    report = graded(worker_notes=[hostile])
    report.load_error = hostile
    report.flags[0].message = hostile
    out = io.StringIO()
    print_summary(report, details=True, console=Console(file=out, width=200, highlight=False))
    assert out.getvalue().count(hostile) == 3  # note, load error and flag: each shown as written
