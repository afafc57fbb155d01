"""Our reports into nbgrader's gradebook.db, through nbgrader's own Gradebook API.

Each part is an nbgrader grade cell (``release.mark_parts_as_graded``), so a report becomes, per
student (:func:`record_report`): a submission with nbgrader's timestamp, one
``Grade.auto_score`` per part (an instructor's ``manual_score`` in the formgrader still wins), a
short comment per part, the late penalty on the notebook
(``SubmittedNotebook.late_submission_penalty``, which ``nbgrader export`` subtracts), and
nbgrader's ``flagged`` on the notebook when the report has review flags (the formgrader's
"Flagged?" column; :func:`needs_review`). The flag follows the report: a regrade without flags
clears it. The penalty itself is the class grading's (``grade_class.record``: course.yaml's rule
in ``late.py`` on :func:`nbgrader_seconds_late`, nbgrader's due date plus any extension granted
with nbgrader, read without writing): this module only writes what the report says. One student
is one transaction. Example::

    with open_gradebook(course) as gb:
        seconds = nbgrader_seconds_late(gb, "convolutions", "ana", timestamp)
        record_report(gb, course, "convolutions", "ana", report, timestamp)   # report.late already set
"""
from __future__ import annotations

import datetime as dt
import warnings
from typing import Optional

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder.config import Course
from autograder.i18n import _i
from autograder.grading.report import PartResult, Report
from autograder.workflow.late import as_utc
from autograder.workflow.layout import notebook_id

__all__ = ["notebook_id", "nbgrader_seconds_late", "record_report", "needs_review", "part_summary",
           "gradebook_scores"]


def nbgrader_seconds_late(gradebook: Gradebook, assignment: str, student: str,
                          timestamp: Optional[dt.datetime]) -> float:
    """How late nbgrader holds a submission at ``timestamp``: past the assignment's due date plus
    the student's extension, if one was granted (nbgrader's ``SubmittedAssignment.total_seconds_late``),
    read without writing anything; 0 when on time or without a due date."""
    due = gradebook.find_assignment(assignment).duedate
    try:
        extension = gradebook.find_submission(assignment, student).extension
    except MissingEntry:
        extension = None
    if timestamp is None or due is None:
        return 0.0
    due = due + extension if extension is not None else due  # nbgrader's naive datetimes mean UTC
    return max(0.0, (as_utc(timestamp) - as_utc(due)).total_seconds())


def record_report(gradebook: Gradebook, course: Course, assignment: str, student: str, report: Report,
                  timestamp: Optional[dt.datetime]) -> None:
    """Write one graded submission (at ``timestamp``): its scores, comments, late penalty
    (``report.late``, set by the class grading) and review flag, in one transaction."""
    notebook = notebook_id(course, assignment)
    try:
        gradebook.update_or_create_student(student)
        with warnings.catch_warnings():
            # nbgrader's add_submission builds its rows before adding them to the session, which
            # SQLAlchemy warns about on autoflush; the rows are added and committed right after.
            warnings.simplefilter("ignore", SAWarning)
            gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
        for part in course.assignment(assignment).parts:
            part_report = report.parts.get(part)
            grade = gradebook.find_grade(part, notebook, assignment, student)
            grade.auto_score = part_report.score if part_report is not None else 0.0
            grade.needs_manual_grade = False
            comment = gradebook.find_comment(part, notebook, assignment, student)
            comment.auto_comment = part_summary(part, part_report)
        submitted_notebook = gradebook.find_submission_notebook(notebook, assignment, student)
        submitted_notebook.late_submission_penalty = report.late.penalty if report.late else 0.0
        submitted_notebook.flagged = needs_review(report)
        gradebook.db.commit()
    except MissingEntry as exc:
        gradebook.db.rollback()
        raise RuntimeError(_i("the gradebook lacks the graded cell of a part of {name} ({problem}); "
                              "release the assignment again with `autograder release {assignment}`",
                              name=repr(assignment), problem=exc, assignment=assignment)) from None
    except Exception:
        gradebook.db.rollback()
        raise


def needs_review(report: Report) -> bool:
    """A report the instructor should look at in the formgrader: any flag (torch's own op,
    tampering, the static scan, a timeout or crash, a timestamp.txt that disagrees with the
    receipt, files collect refused), or a run the grader could not finish."""
    return bool(report.flags) or report.status in ("timeout", "error")


def part_summary(part: str, part_report: Optional[PartResult]) -> str:
    """One line for the formgrader's comment box, e.g. ``conv2d: 24/30 (1 de 5 pruebas falló)``."""
    part_report = part_report or PartResult(score=0.0, max_score=0.0)
    tests = part_report.tests
    failed = len(part_report.failed())
    score, max_score = part_report.score, part_report.max_score
    verdict = _i("every test passes") if not failed else _i("{failed} of {total} tests failed", failed=failed,
                                                             total=len(tests))
    return _i("{part}: {score}/{max_score} ({verdict}; details in the feedback)", part=part, score=format(score, "g"),
              max_score=format(max_score, "g"), verdict=verdict)


def gradebook_scores(course: Course, assignment: str, gradebook: Gradebook) -> dict[str, dict]:
    """What the gradebook holds, per student: each part's score, the raw total and the penalty."""
    notebook = notebook_id(course, assignment)
    scores = {}
    for submission in gradebook.find_assignment(assignment).submissions:
        student = submission.student.id
        parts = {
            part: gradebook.find_grade(part, notebook, assignment, student).score
            for part in course.assignment(assignment).parts
        }
        scores[student] = {
            "parts": parts,
            "score": submission.score,
            "late_penalty": submission.late_submission_penalty,
        }
    return scores
