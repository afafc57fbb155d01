"""``autograder build`` and ``autograder validate``: the course's content and its course file."""
from __future__ import annotations

from autograder.cli.common import course_of
from autograder.config import course_problems
from autograder.i18n import _i
from autograder.errors import CourseConfigError
from autograder.messages import text


def build(args) -> int:
    """The student notebooks of the named assignments (default: all), the public spec table and
    the known outputs the public checks compare module parts with."""
    from autograder.content.build import build_assignments
    from autograder.content.golden_outputs import write_golden_outputs
    from autograder.content.spec_table import write_spec_table

    course = course_of(args)
    names = args.assignments or [a.name for a in course.assignments]
    for path in build_assignments(course, names):
        print(_i("generated: {path}", path=path))
    for written in (write_spec_table(course), write_golden_outputs(course)):
        if written is not None:
            print(_i("generated: {path}", path=written))
    return 0


def validate(args) -> int:
    """The schema (load_course), then what the course's files define: parts and built notebooks."""
    course = course_of(args)
    problems = course_problems(course)
    if problems:
        raise CourseConfigError("\n".join(problems))
    print(text("validated", course.language, path=course.source, n=len(course.assignments)))
    return 0
