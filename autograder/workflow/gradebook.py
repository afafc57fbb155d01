"""Our reports into nbgrader's gradebook.db, through nbgrader's own Gradebook API.

Each part is an nbgrader grade cell (``release.mark_parts_as_graded``), so a report becomes, per
student: a submission with nbgrader's timestamp, one ``Grade.auto_score`` per part (an instructor's
``manual_score`` in the formgrader still wins), a short comment per part, and the late penalty on
the notebook (``SubmittedNotebook.late_submission_penalty``, which ``nbgrader export`` subtracts),
and nbgrader's ``flagged`` on the notebook when the report has review flags (the formgrader's
"Flagged?" column; :func:`needs_review`). The flag follows the report: a regrade without flags
clears it.
The late penalty uses nbgrader's own ``total_seconds_late`` (due date plus any extension granted
with nbgrader). One student is one transaction. Example::

    with open_gradebook(course) as gb:
        late = record_report(gb, course, "convolutions", "ana", report, timestamp)
"""
from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Optional

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder.config import Course
from autograder.i18n import _i
from autograder.workflow.late import LateInfo, late_penalty


def notebook_id(course: Course, assignment: str) -> str:
    """nbgrader names a notebook by its file name without ``.ipynb``."""
    return Path(course.assignment(assignment).notebook).stem


def record_report(
    gradebook: Gradebook,
    course: Course,
    assignment: str,
    student: str,
    report: dict,
    timestamp: Optional[dt.datetime],
) -> LateInfo:
    """Write one graded submission; return the late penalty nbgrader's timestamps give it."""
    rule = course.assignment(assignment).late_penalty
    notebook = notebook_id(course, assignment)
    try:
        gradebook.update_or_create_student(student)
        with warnings.catch_warnings():
            # nbgrader's add_submission builds its rows before adding them to the session, which
            # SQLAlchemy warns about on autoflush; the rows are added and committed right after.
            warnings.simplefilter("ignore", SAWarning)
            submission = gradebook.update_or_create_submission(assignment, student, timestamp=timestamp)
        late = late_penalty(float(report.get("score", 0.0)), submission.total_seconds_late or 0.0, rule)
        for part in course.assignment(assignment).parts:
            part_report = report.get("parts", {}).get(part, {})
            grade = gradebook.find_grade(part, notebook, assignment, student)
            grade.auto_score = float(part_report.get("score", 0.0))
            grade.needs_manual_grade = False
            comment = gradebook.find_comment(part, notebook, assignment, student)
            comment.auto_comment = part_summary(part, part_report)
        submitted_notebook = gradebook.find_submission_notebook(notebook, assignment, student)
        submitted_notebook.late_submission_penalty = late.penalty
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
    return late


def needs_review(report: dict) -> bool:
    """A report the instructor should look at in the formgrader: any flag (torch's own op,
    tampering, the static scan, a timeout or crash, a timestamp.txt that disagrees with the
    receipt, files collect refused), or a run the grader could not finish."""
    return bool(report.get("flags")) or report.get("status") in ("timeout", "error")


def part_summary(part: str, part_report: dict) -> str:
    """One line for the formgrader's comment box, e.g. ``conv2d: 24/30 (1 de 5 pruebas falló)``."""
    tests = part_report.get("tests", [])
    failed = sum(1 for t in tests if not t.get("passed"))
    score, max_score = part_report.get("score", 0), part_report.get("max_score", 0)
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
