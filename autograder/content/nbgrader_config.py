"""nbgrader's configuration for this course, in one place for every command that runs nbgrader.

The student version's stubs are in Spanish, and the course folder and id come from course.yaml.
Example::

    api = NbGraderAPI(config=nbgrader_config(course, Path("/tmp/curso")))
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config

from autograder.config import Course
from autograder.i18n import N_i, _i

#: What replaces a solution region in the student's notebook (nbgrader's ClearSolutions), in the
#: course's language (translated where the config is built).
CODE_STUB = N_i("# YOUR CODE HERE") + "\nraise NotImplementedError()"
TEXT_STUB = N_i("YOUR ANSWER HERE")


def nbgrader_config(course: Course, course_dir: Path) -> Config:
    """A traitlets Config for nbgrader's apps rooted at ``course_dir``."""
    config = Config()
    config.CourseDirectory.root = str(Path(course_dir).resolve())
    config.CourseDirectory.course_id = course.course.id
    comment, statement = CODE_STUB.split("\n", 1)
    config.ClearSolutions.code_stub = {"python": _i(comment) + "\n" + statement}
    config.ClearSolutions.text_stub = _i(TEXT_STUB)
    config.Exchange.root = str(course.exchange_dir)
    return config


def put_nbgrader_tools_on_path() -> None:
    """Make the ``alembic`` command nbgrader's gradebook shells out to findable.

    nbgrader runs ``alembic`` from PATH; it lives beside this interpreter (``.venv/bin``), which
    is not on PATH when the venv was not activated (``.venv/bin/pytest``, ``make test``).
    """
    tools = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if tools not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([tools, path]) if path else tools
