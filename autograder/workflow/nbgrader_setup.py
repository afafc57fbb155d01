"""nbgrader's configuration for one course, built from course.yaml.

Every workflow step talks to nbgrader through this traitlets ``Config`` so that the course id, the
course directory, the exchange and the gradebook come from one place. ``release`` also writes it
as ``<course_dir>/nbgrader_config.py`` (:func:`write_nbgrader_config`), so that nbgrader's own
commands run in the course folder need no flags: ``nbgrader export``, ``nbgrader
generate_feedback``, ``nbgrader formgrader``. Example::

    api = instructor_api(course)                  # nbgrader.apps.NbGraderAPI for the instructor
    with open_gradebook(course) as gb:            # nbgrader.api.Gradebook on <course_dir>/gradebook.db
        gb.update_or_create_student("ana")
"""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Iterator, Optional

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from autograder.config import Course
from autograder.content.nbgrader_config import nbgrader_config, put_nbgrader_tools_on_path
from autograder.workflow.layout import GRADEBOOK, gradebook_path, nbgrader_config_path


def gradebook_url(course: Course) -> str:
    """The SQLite gradebook lives in the course directory, as ``nbgrader quickstart`` puts it."""
    return f"sqlite:///{gradebook_path(course)}"


def course_config(course: Course, *, student: Optional[str] = None, student_home: Optional[Path] = None) -> Config:
    """nbgrader's settings for this course; with ``student``, those of that student's Jupyter.

    A student's fetch/submit needs its own working folder (``Exchange.assignment_dir``) and its own
    exchange cache: that is what tells two students on one machine apart.
    """
    # The content builder's settings (Spanish stubs) first, so generate_assignment matches `autograder build`.
    config = nbgrader_config(course, course.course_dir)
    config.CourseDirectory.root = str(course.course_dir)
    config.CourseDirectory.course_id = course.course.id
    config.CourseDirectory.db_url = gradebook_url(course)
    config.Exchange.root = str(course.exchange_dir)
    if student is not None:
        home = Path(student_home) if student_home is not None else course.course_dir.parent / "students" / student
        config.CourseDirectory.student_id = student
        config.Exchange.assignment_dir = str(home)
        config.Exchange.cache = str(home / ".nbgrader_cache")
    return config


#: The first line of the nbgrader_config.py that release writes (and may overwrite).
GENERATED_HEADER = "# Generado por `autograder release` desde course.yaml: no se edita (se reescribe en cada release)."


def write_nbgrader_config(course: Course) -> Path:
    """``<course_dir>/nbgrader_config.py``: this course's settings for nbgrader's own commands.

    Its folders are relative to the file itself, so the course folder may move (or be copied)
    and still find its gradebook and exchange. A file there that autograder did not write is left
    alone (the instructor's own), and the path is returned all the same.
    """
    target = nbgrader_config_path(course)
    if target.exists() and not target.read_text(encoding="utf-8").startswith(GENERATED_HEADER):
        return target
    config = course_config(course)
    exchange = os.path.relpath(course.exchange_dir, course.course_dir)
    located = {  # written as code, relative to the file's folder
        ("CourseDirectory", "root"): "HERE",
        ("CourseDirectory", "db_url"): f'"sqlite:///" + os.path.join(HERE, "{GRADEBOOK}")',
        ("Exchange", "root"): f"os.path.normpath(os.path.join(HERE, {exchange!r}))",
    }
    lines = [GENERATED_HEADER, "import os", "",
             "c = get_config()  # noqa: F821 (nbgrader's config loader defines it)",
             "HERE = os.path.dirname(os.path.abspath(__file__))", ""]
    for section, traits in sorted(config.items()):
        for name, value in sorted(traits.items()):
            lines.append(f"c.{section}.{name} = {located.get((section, name), repr(value))}")
    prepare_folders(course)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def prepare_folders(course: Course) -> None:
    """Create the course directory and the exchange root (both git-ignored, no root needed)."""
    # nbgrader's gradebook runs the `alembic` command; make the one beside this Python findable.
    put_nbgrader_tools_on_path()
    course.course_dir.mkdir(parents=True, exist_ok=True)
    course.exchange_dir.mkdir(parents=True, exist_ok=True)


def instructor_api(course: Course, extra: Optional[dict] = None) -> NbGraderAPI:
    """``NbGraderAPI`` over this course (plus ``extra`` settings); nbgrader's logging kept to warnings."""
    prepare_folders(course)
    config = course_config(course)
    if extra:
        config.merge(Config(extra))
    config.NbGraderAPI.log_level = logging.WARNING
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)


@contextlib.contextmanager
def open_gradebook(course: Course) -> Iterator[Gradebook]:
    """The course's gradebook.db through nbgrader's own API, closed on exit."""
    prepare_folders(course)
    gradebook = Gradebook(gradebook_url(course), course_id=course.course.id)
    try:
        yield gradebook
    finally:
        gradebook.close()


def check_result(result: dict, action: str) -> None:
    """NbGraderAPI returns {'success', 'error', 'log'}; turn a failure into an exception with nbgrader's log."""
    if not result.get("success"):
        detail = (result.get("error") or "") + (result.get("log") or "")
        raise RuntimeError(f"nbgrader {action} falló:\n{detail.strip()}")

