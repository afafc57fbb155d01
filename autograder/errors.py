"""The known problems: an input's fault, not the grader's bug, each said in one line.

Every layer raises these (they import nothing, so any module may); the command line
(``autograder.cli``) prints each as one line on stderr per problem and exits 2 (README, "Exit
status"). Anything else that escapes a command is a bug and keeps its traceback. Example::

    raise ContentError(f"{path}: no top-level definition for part(s) conv2d")
    # autograder build: solutions/convolutions.py: no top-level definition for part(s) conv2d
"""
from __future__ import annotations


class UsageError(Exception):
    """The command line or its inputs are wrong; the message says what to fix."""


class CourseConfigError(Exception):
    """course.yaml is missing or wrong; the message names the file and what to fix."""


class ContentError(Exception):
    """The solutions or a narrative do not fit together; the message says which file to fix."""


class ExportError(Exception):
    """The export cannot be built as asked (unknown assignment, missing files); the message says why."""


class ZipCollectError(Exception):
    """The zip as a whole cannot be read (not a zip, too many entries): nothing was collected."""


class DemoFolderError(RuntimeError):
    """``--dir`` names a folder the demo did not make: it is never emptied."""


class GraderError(RuntimeError):
    """The grader itself could not grade (a broken suite, a crashed session): not the student's fault."""


class DeviceUnavailable(GraderError):
    """``--device cuda`` on a machine without CUDA."""


#: What the command line reports in one line and exit 2 (with OSError, which names its file, and
#: nbgrader's failures, recognised by their message: see ``autograder.cli.is_known``).
KNOWN_ERRORS: tuple[type[Exception], ...] = (
    UsageError, CourseConfigError, ContentError, ExportError, ZipCollectError, DemoFolderError, GraderError,
)
