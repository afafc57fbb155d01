"""Instructor-facing text follows course.yaml's ``course.language``: Spanish (``es``) or English (``en``).

The messages live in the ``instructor`` catalog (autograder/i18n.py): course.yaml's errors, the
class report (module and template), collect's lines, the export's errors. Each test here sets the
language and puts it back, so that no other test sees English.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import i18n
from autograder.config import CourseConfigError, load_course, use_course_language
from autograder.workflow.arrival import student_id_problem
from autograder.workflow.collect import Collected
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.grade_class import write_report
from autograder.grading.report import Report, ReportError
from autograder.workflow.class_report import FLAG_KINDS, STATUS_LABELS, label, score_rows, summary_lines, write_class_report
from autograder.workflow.layout import class_report_dir
from tests.test_messages_catalog import looks_spanish

ASSIGNMENT = "convolutions"


@pytest.fixture(autouse=True)
def spanish_afterwards():
    token = i18n._language.set(i18n.current_language())
    yield
    i18n._language.reset(token)


def _course_yaml(tmp_path: Path, language: str, *, typo: bool = False) -> Path:
    course = write_course_copy(tmp_path / language, assignments=[ASSIGNMENT])
    text = course.source.read_text(encoding="utf-8")
    assert "language: es" in text
    text = text.replace("language: es", f"language: {language}")
    if typo:
        text = text.replace("late_penalty:", "late_penalti:", 1)
    course.source.write_text(text, encoding="utf-8")
    return course.source


@pytest.mark.parametrize("language, says", [
    ("es", "clave desconocida `late_penalti` (¿quisiste decir `late_penalty`?)"),
    ("en", "unknown key `late_penalti` (did you mean `late_penalty`?)"),
])
def test_course_yaml_errors_are_in_the_course_language(tmp_path, language, says):
    with pytest.raises(CourseConfigError) as err:
        load_course(_course_yaml(tmp_path, language, typo=True))
    assert says in str(err.value)
    assert looks_spanish(str(err.value).split(": ", 1)[1]) == (language == "es")


def test_the_cli_helper_sets_the_course_language(tmp_path):
    assert use_course_language(load_course(_course_yaml(tmp_path, "en"))) == "en"
    assert student_id_problem("") == "the student id is empty"
    assert "0 submissions of 'convolutions' collected in /x" in Collected(ASSIGNMENT).summary(Path("/x"), [])
    assert use_course_language(load_course(_course_yaml(tmp_path, "es"))) == "es"
    assert student_id_problem("") == "el identificador de estudiante está vacío"
    assert "0 entregas de 'convolutions' recogidas en /x" in Collected(ASSIGNMENT).summary(Path("/x"), [])


def _report(status: str = "graded", flags: tuple = ()) -> dict:
    parts = {"conv2d": {"score": 30.0, "max_score": 30.0, "tests": []}}
    return {"assignment": ASSIGNMENT, "score": 30.0, "max_score": 90.0, "parts": parts, "status": status,
            "flags": list(flags), "notes": [], "load_error": None, "late": {"days_late": 1, "penalty": 3.0},
            "final_score": 27.0}


@pytest.mark.parametrize("language, heading, status, flag", [
    ("es", "Requieren atención", "calificada", "usa la operación de torch"),
    ("en", "Needs attention", "graded", "uses torch&#39;s operation"),
])
def test_class_report_page_is_in_the_course_language(tmp_path, no_plots, language, heading, status, flag):
    course = load_course(_course_yaml(tmp_path, language))
    write_report(course, ASSIGNMENT, "ana",
                 Report.from_json(_report(flags=({"kind": "banned_op", "part": "conv2d", "message": "x"},))))
    write_class_report(course, ASSIGNMENT)
    page = (class_report_dir(course, ASSIGNMENT) / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in page
    assert f"<h2>{heading}</h2>" in page and f"<td>{status}</td>" in page and flag in page
    visible = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]*>", " ", page, flags=re.S)
    visible = visible.replace(course.assignment(ASSIGNMENT).title, "")  # the course's own data
    assert looks_spanish(visible) == (language == "es"), [line for line in visible.splitlines() if looks_spanish(line)]


@pytest.fixture
def no_plots(monkeypatch):
    """No histograms (matplotlib's import is slow) and the roster without a gradebook (creating one
    runs alembic, tens of seconds on a busy machine): neither is under test here."""
    from autograder.workflow import class_report as report

    monkeypatch.setattr(report, "histograms_png", lambda parts, reports: "")
    monkeypatch.setattr(report, "roster_names", lambda course: {"ana": "", "bea": ""})


def test_a_status_or_flag_kind_is_never_a_template():
    """A report's status and flag kinds are shown as they are unless the report module names them:
    an unknown one is text, never a format template nor a message id."""
    bomb = "{x:>999999999}"
    for hostile in (_report(status=bomb), _report(flags=({"kind": "{0.__class__}", "part": None, "message": ""},))):
        with pytest.raises(ReportError):  # the report model refuses what it does not name
            Report.from_json(hostile)
    assert label(STATUS_LABELS, bomb) == bomb and label(FLAG_KINDS, "{0.__class__}") == "{0.__class__}"
    rows = score_rows(["conv2d"], {"ana": Report.from_json(_report())}, ["ana"])
    assert rows[0]["estado"] == "calificada" and "27.0 / 90" in " ".join(summary_lines(rows, 90.0))
    skipped = Collected(ASSIGNMENT, skipped=[bomb])  # a zip entry's or a folder's name, as collect shows it
    assert skipped.summary(Path("/x"), [bomb]).count(bomb) == 2
