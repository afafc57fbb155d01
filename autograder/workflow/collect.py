"""``autograder collect ASSIGNMENT [--zip Z]``: submissions into ``<course_dir>/submitted/<student>/<assignment>/``.

From the exchange, nbgrader's ``collect`` takes each student's latest submission (with its
``timestamp.txt``, which the late penalty reads). Without a shared exchange, an LMS zip goes
through nbgrader's ``zip_collect``; inside the zip each notebook is named ``<student>_<notebook>``
or ``<student>/<notebook>`` (e.g. ``ana_convolutions.ipynb``). Every collected student is added
to the gradebook, as nbgrader's autograde would. Example::

    collect_assignment(course, "convolutions")                       # from the exchange
    collect_assignment(course, "convolutions", lms_zip=Path("moodle.zip"))
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.coursedir import CourseDirectory

from autograder.config import Course
from autograder.workflow.nbgrader_setup import check_result, course_config, instructor_api, open_gradebook

#: How zip_collect reads a student id and a notebook from a file's path inside the extracted zip.
LMS_FILE_PATTERN = r".*/(?P<student_id>[^/_]+)[/_](?P<file_id>[^/]+\.ipynb)$"


def collect_assignment(course: Course, name: str, lms_zip: Optional[Path] = None) -> str:
    """Collect one assignment's submissions; return a one-line summary (in Spanish)."""
    course.assignment(name)  # an unknown name fails here, with the list of known ones
    if lms_zip is None:
        check_result(instructor_api(course).collect(name, update=True), "collect")
    else:
        _zip_collect(course, name, Path(lms_zip))
    students = collected_students(course, name)
    with open_gradebook(course) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)
    folder = course.course_dir / "submitted"
    return f"{len(students)} entregas de {name!r} recogidas en {folder}: {', '.join(students) or '(ninguna)'}"


def collected_students(course: Course, name: str) -> list[str]:
    """Students with a folder ``submitted/<student>/<name>/``, sorted."""
    submitted = course.course_dir / "submitted"
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / name).is_dir())


def _zip_collect(course: Course, name: str, lms_zip: Path) -> None:
    if not lms_zip.is_file():
        raise FileNotFoundError(f"no existe el zip {lms_zip}")
    archive = course.course_dir / "downloaded" / name / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    shutil.copy2(lms_zip, archive / lms_zip.name)

    config = course_config(course)
    config.FileNameCollectorPlugin.named_regexp = LMS_FILE_PATTERN
    config.ZipCollectApp.force = True  # a new zip replaces what an earlier one extracted
    app = ZipCollectApp(config=config)
    app.coursedir = CourseDirectory(config=config)
    app.coursedir.assignment_id = name
    app.start()
