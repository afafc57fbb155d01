"""What every command shares: the course file of ``--course``, checked before anything runs."""
from __future__ import annotations

from autograder.config import course_problems, load_course, use_course_language
from autograder.errors import CourseConfigError


def course_of(args, assignment: str | None = None):
    """The course file of ``--course``; with ``assignment``, also checked against the course's files
    (its parts must be defined by the solutions and the hidden suite: an unknown part would only
    show up later, as a test that never ran)."""
    course = load_course(args.course)
    use_course_language(course)
    if assignment is not None:
        course.assignment(assignment)  # unknown: one line with the known names
        problems = course_problems(course, [assignment], notebooks=False)
        if problems:
            raise CourseConfigError("\n".join(problems))
    return course
