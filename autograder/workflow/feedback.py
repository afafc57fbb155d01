"""``autograder feedback ASSIGNMENT``: one Spanish HTML page and one results.json per student.

The page shows, per part, the score and every test; a failed test shows its message, which the
grader already wrote for students (the smallest failing input, expected vs got, a hint). Only the
report goes in: never test source or reference code. Pages are written where nbgrader expects
feedback (``<course_dir>/feedback/<student>/<assignment>/<notebook>.html``, with the submission's
timestamp and secret), so ``nbgrader release_feedback`` / ``fetch_feedback`` deliver them; this
command releases them to the exchange when the submission came through it. Next to each page, a
Gradescope-style ``results.json``. Example::

    write_feedback(course, "convolutions")   # '8 páginas de retroalimentación en .../feedback'
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path


from autograder.config import Course, GradeScale
from autograder.student_files import Refused, read_file
from autograder.workflow.grade_class import read_reports, submission_dir
from autograder.workflow.gradebook import notebook_id
from autograder.workflow.nbgrader_setup import check_result, instructor_api

from autograder.workflow.html import TEMPLATES as _TEMPLATES
from autograder.i18n import N_, _, current_language, set_language

#: What the page says when the grader could not run a submission to the end.
STATUS_MESSAGES = {
    "load_error": N_("Your submission could not be loaded (check that the notebook opens and that its cells run without errors): {load_error}"),
    "timeout": N_("Your submission went past the maximum time: check that there are no infinite loops or calculations that are too slow."),
    "error": N_("Your submission could not be graded: {load_error}"),
}

#: How a page names each kind of test (the suites' test names are identifiers, in English).
KIND_LABELS = {
    "matches_reference": N_("matches the reference on generated inputs"),
    "examples": N_("worked examples (the lecture's included)"),
    "gradients": N_("gradients"),
    "input_unchanged": N_("leaves its input unchanged"),
    "invalid_arguments": N_("rejects invalid arguments"),
    "structure": N_("structure of the module (layers and shapes)"),
    "train_mode": N_("training mode (BatchNorm)"),
    "load": N_("submission loading"),
    "error": N_("grading"),
}

#: nbgrader's files that ``release_feedback`` needs beside each page.
_NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
#: Both are one line; a longer one is not nbgrader's.
NBGRADER_FILE_MAX_BYTES = 4096


def feedback_dir(course: Course, assignment: str, student: str) -> Path:
    return course.course_dir / "feedback" / student / assignment


def write_feedback(course: Course, name: str, release: bool = True) -> str:
    """Write every graded student's page and results.json; return a one-line summary."""
    title = course.assignment(name).title or name
    set_language(course.course.language)  # the pages are in the course's language
    reports = read_reports(course, name)
    released = []
    for student, report in reports.items():
        folder = feedback_dir(course, name, student)
        folder.mkdir(parents=True, exist_ok=True)
        page = render_feedback(report, student, title, course.course.grade_scale)
        (folder / f"{notebook_id(course, name)}.html").write_text(page, encoding="utf-8")
        (folder / "results.json").write_text(json.dumps(gradescope_results(report), ensure_ascii=False, indent=2), encoding="utf-8")
        submitted = submission_dir(course, name, student)
        for file in _NBGRADER_FILES:  # the student's files: read as such (never through a link)
            try:
                data = read_file(submitted, file, course.grading.submission_limits, cap=NBGRADER_FILE_MAX_BYTES)
            except Refused:
                (folder / file).unlink(missing_ok=True)
                continue
            (folder / file).write_bytes(data)
        if release and all((folder / f).is_file() for f in _NBGRADER_FILES):
            released.append(student)
    if released:
        api = instructor_api(course)
        with warnings.catch_warnings():
            # nbgrader 0.9.6's API passes a misspelt keyword to the exchange (traitlets warns).
            warnings.simplefilter("ignore", DeprecationWarning)
            for student in released:
                check_result(api.release_feedback(name, student), "release_feedback")
    where = course.course_dir / "feedback"
    return f"{len(reports)} páginas de retroalimentación de {name!r} en {where} ({len(released)} publicadas en el exchange)"


def render_feedback(report: dict, student: str, title: str, grade_scale: GradeScale | None = None) -> str:
    """The HTML page of one report (autoescaped: a student's forged output cannot inject markup)."""
    status = report.get("status", "graded")
    message = STATUS_MESSAGES.get(status, "")
    score = report.get("final_score") if report.get("final_score") is not None else report.get("score", 0.0)
    grade = grade_scale.grade(score / report["max_score"]) if grade_scale and report.get("max_score") else None
    return _TEMPLATES.get_template("feedback.html.j2").render(
        _=_, lang=current_language(), grade=grade, grade_scale=grade_scale,
        report=_with_defaults(report),
        student=student,
        title=title,
        label=test_label,
        late=report.get("late"),
        final_score=report.get("final_score"),
        status_message=_(message, load_error=report.get("load_error") or "") if message else "",
        unshrunk=any(test.get("input") in ("explicit", "shrink_timeout")
                     for part in report.get("parts", {}).values() for test in part.get("tests", [])),
    )


def gradescope_results(report: dict) -> dict:
    """Gradescope's autograder format: the final score and one entry per test."""
    tests = []
    for part, result in report.get("parts", {}).items():
        for test in result.get("tests", []):
            tests.append({
                "name": f"{part}: {test_label(test)}",
                "score": test.get("points", 0.0),
                "max_score": test.get("max_points", 0.0),
                "output": "" if test.get("passed") else test.get("message", ""),
            })
    late = report.get("late") or {}
    output = _("Late: {days} day(s), −{penalty:g} points.", days=late["days_late"],
               penalty=late["penalty"]) if late.get("penalty") else ""
    return {"score": report.get("final_score", report.get("score", 0.0)), "output": output, "tests": tests}


def test_label(test: dict) -> str:
    """A test's name for students: its kind in Spanish, else its identifier."""
    kind = KIND_LABELS.get(test.get("kind", ""))
    return _(kind) if kind else test.get("name", "")


def _with_defaults(report: dict) -> dict:
    # Jinja reads missing keys as undefined; a report from an older grader still renders.
    return {"flags": [], "notes": [], "parts": {}, "score": 0.0, "max_score": 0.0, **report}
