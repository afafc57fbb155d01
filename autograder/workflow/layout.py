"""The course folder (``course.course_dir``): where each file of the instructor's loop lives.

nbgrader's own folders keep nbgrader's names (``source/``, ``release/``, ``submitted/``,
``autograded/``, ``feedback/``, ``gradebook.db``, ``nbgrader_config.py``), so nbgrader's commands
and the formgrader find them; ours sit beside them::

    <course_dir>/
      gradebook.db, nbgrader_config.py           nbgrader's
      source/<assignment>/<notebook>            the instructor's version (autograder release)
      release/<assignment>/                     what students fetch
      submitted/<student>/<assignment>/         collected submissions (collect; the student's files)
      autograded/<student>/<assignment>/        the submission as submitted, for the formgrader
      feedback/<student>/<assignment>/          feedback page + results.json (autograder feedback)
      receipts/<assignment>.json                when and how each submission was received (collect)
      autograded_reports/<assignment>/<student>.json   one grading report per student (grade)
      autograded_reports/<assignment>.record_errors.json  results grade could not record
      reports/<assignment>/                     the class report: index.html, <assignment>.csv, caches
      .collect/                                 collect's staging folder

Every module that reads or writes one of these asks here. Student ids and assignment names are
joined as given: callers check them first (``arrival.student_id_problem``, course.yaml).
Example: ``report_path(course, "convolutions", "ana")`` ->
``<course_dir>/autograded_reports/convolutions/ana.json``.
"""
from __future__ import annotations

from pathlib import Path

from autograder.config import Course

GRADEBOOK = "gradebook.db"
NBGRADER_CONFIG = "nbgrader_config.py"


def gradebook_path(course: Course) -> Path:
    return course.course_dir / GRADEBOOK


def nbgrader_config_path(course: Course) -> Path:
    return course.course_dir / NBGRADER_CONFIG


def source_notebook(course: Course, assignment: str) -> Path:
    """The instructor's version of the assignment's notebook (nbgrader's ``source/``)."""
    return course.course_dir / "source" / assignment / course.assignment(assignment).notebook


def release_dir(course: Course, assignment: str) -> Path:
    return course.course_dir / "release" / assignment


def submitted_root(course: Course) -> Path:
    """``submitted/``: one folder per student, one per assignment inside (nbgrader's layout)."""
    return course.course_dir / "submitted"


def submission_dir(course: Course, assignment: str, student: str) -> Path:
    return submitted_root(course) / student / assignment


def collect_staging(course: Course) -> Path:
    """Where collect assembles a submission before one rename puts it in ``submitted/``."""
    return course.course_dir / ".collect"


def receipts_path(course: Course, assignment: str) -> Path:
    return course.course_dir / "receipts" / f"{assignment}.json"


def formgrader_dir(course: Course, assignment: str, student: str) -> Path:
    """``autograded/``: where nbgrader's formgrader opens a graded submission."""
    return course.course_dir / "autograded" / student / assignment


def reports_dir(course: Course, assignment: str) -> Path:
    """The grading reports of an assignment, one ``<student>.json`` each."""
    return course.course_dir / "autograded_reports" / assignment


def report_path(course: Course, assignment: str, student: str) -> Path:
    return reports_dir(course, assignment) / f"{student}.json"


def record_errors_path(course: Course, assignment: str) -> Path:
    """Beside the reports folder (never inside it): the results the grader could not record."""
    return reports_dir(course, assignment).with_name(f"{assignment}.record_errors.json")


def feedback_root(course: Course) -> Path:
    return course.course_dir / "feedback"


def feedback_dir(course: Course, assignment: str, student: str) -> Path:
    """Where nbgrader's ``release_feedback`` looks for a student's feedback."""
    return feedback_root(course) / student / assignment


def feedback_page(course: Course, assignment: str, student: str) -> Path:
    """The student's feedback page: nbgrader names it after the notebook."""
    return feedback_dir(course, assignment, student) / f"{notebook_id(course, assignment)}.html"


def class_report_dir(course: Course, assignment: str) -> Path:
    """The class report's folder: ``index.html``, ``<assignment>.csv`` and its caches."""
    return course.course_dir / "reports" / assignment


def similarity_cache_path(course: Course, assignment: str) -> Path:
    return class_report_dir(course, assignment) / ".similarity.json"


def notebook_id(course: Course, assignment: str) -> str:
    """nbgrader names a notebook by its file name without ``.ipynb``."""
    return Path(course.assignment(assignment).notebook).stem
