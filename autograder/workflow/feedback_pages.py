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


from autograder.config import Course, GradeScale
from autograder.grading.report import Report, TestResult
from autograder.student_files import Refused, read_file
from autograder.workflow.grade_class import read_reports
from autograder.workflow.layout import feedback_dir, feedback_page, feedback_root, submission_dir
from autograder.workflow.nbgrader_setup import check_result, instructor_api

from autograder.workflow.html import TEMPLATES as _TEMPLATES
from autograder.i18n import N_, _, _i, current_language, set_language

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
        feedback_page(course, name, student).write_text(page, encoding="utf-8")
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
    where = feedback_root(course)
    return _i("{count} feedback pages of {name!r} in {where} ({released} released to the exchange)",
              count=len(reports), name=name, where=where, released=len(released))


def render_feedback(report: Report, student: str, title: str, grade_scale: GradeScale | None = None) -> str:
    """The HTML page of one report (autoescaped: a student's forged output cannot inject markup)."""
    message = STATUS_MESSAGES.get(report.status, "")
    grade = grade_scale.grade(report.final / report.max_score) if grade_scale and report.max_score else None
    return _TEMPLATES.get_template("feedback.html.j2").render(
        _=_, lang=current_language(), grade=grade, grade_scale=grade_scale,
        report=report,
        student=student,
        title=title,
        label=test_label,
        late=report.late,
        final_score=report.final_score,
        status_message=_(message, load_error=report.load_error or "") if message else "",
        unshrunk=any(test.input in ("explicit", "shrink_timeout") for _part, test in report.tests()),
    )


def gradescope_results(report: Report) -> dict:
    """Gradescope's autograder format: the final score and one entry per test."""
    tests = [{
        "name": f"{part}: {test_label(test)}",
        "score": test.points,
        "max_score": test.max_points,
        "output": "" if test.passed else test.message,
    } for part, test in report.tests()]
    late = report.late
    output = _("Late: {days} day(s), −{penalty:g} points.", days=late.days_late,
               penalty=late.penalty) if late and late.penalty else ""
    return {"score": report.final, "output": output, "tests": tests}


def test_label(test: TestResult) -> str:
    """A test's name for students: its kind in Spanish, else its identifier."""
    kind = KIND_LABELS.get(test.kind)
    return _(kind) if kind else test.name
