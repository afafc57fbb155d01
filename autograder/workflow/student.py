"""What a student's Jupyter does through nbgrader's exchange: fetch an assignment, submit it.

The demo and the end-to-end test act as several students on one machine; each gets its own
working folder and exchange cache, and nbgrader's ``CourseDirectory.student_id`` names them
(instead of the Unix user). Example::

    notebook = fetch_assignment_as(course, "ana", "convolutions", home=Path("/tmp/ana"))
    ...  # edit the notebook
    submit_assignment_as(course, "ana", "convolutions", home=Path("/tmp/ana"))
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory

from autograder.config import Course
from autograder.workflow.nbgrader_setup import course_config


def _exchange(course: Course, student: str, assignment: str, home: Path):
    config = course_config(course, student=student, student_home=home)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    factory = ExchangeFactory(config=config)
    return factory, dict(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


def fetch_assignment_as(course: Course, student: str, assignment: str, home: Path) -> Path:
    """nbgrader fetch_assignment as ``student`` into ``home``; return the fetched notebook."""
    home.mkdir(parents=True, exist_ok=True)
    factory, kwargs = _exchange(course, student, assignment, home)
    factory.FetchAssignment(**kwargs).start()
    return home / assignment / course.assignment(assignment).notebook


def submit_assignment_as(course: Course, student: str, assignment: str, home: Path) -> Path:
    """nbgrader submit as ``student`` from ``home/<assignment>``; return the inbound submission folder."""
    factory, kwargs = _exchange(course, student, assignment, home)
    submit = factory.Submit(**kwargs)
    submit.start()
    return Path(submit.inbound_path) / submit.assignment_filename
