"""``check(part)``: the public checks of one part, from a student's notebook.

It takes the cells the kernel has run so far (autograder/public/notebook_source.py), extracts
the submission from them by the grader's own rules (autograder/grading/extraction.py: imports,
functions, classes and constants of every cell; training or example cells never re-run), and
grades it with ``grade_submission(..., profile="public")``, in the same sandboxed worker as the
real grading: never the kernel's live objects. So check(), ``autograder check`` and the grade
judge the same source. The course is the release's public facts (``curso_publico.yaml``, in the
notebook's folder or a parent), so the installed package is all it needs; in a checkout without
them, the repository's course.yaml (:func:`find_course`). The first call starts a grading service
for the kernel (autograder/grading/service.py); later calls reuse it and find their worker already
started. It prints a Spanish report and never raises: a notebook with a failing check must still run end to end.
Example (in a notebook cell)::

    from autograder.public import check
    check("conv2d")
    # ✔ conv2d: 2 de 2 comprobaciones públicas pasan.
"""
from __future__ import annotations

from typing import Iterable

from autograder.grading.extraction import CodeCell
from autograder.public.notebook_source import executed_cells
from autograder.public.check_printout import format_part_report
from autograder.i18n import _, set_language


#: The kernel's grading service, kept warm between calls (started by the first check()).
_services = None


def _kernel_services():
    """One grading service for this kernel: torch, pytest and the suites imported once; every
    call still gets a fresh sandboxed worker (pre-started, never reused), so a changed source
    never meets a worker that ran the old one. It stops with the kernel (its stdin closes)."""
    global _services
    if _services is None:
        import atexit

        from autograder.grading.service_pool import ServicePool

        _services = ServicePool(1)
        atexit.register(_services.close)
    return _services


class CheckReport(dict):
    """The grading report of a check (its JSON form, as ``autograder grade --json`` writes it); shows
    nothing as a cell's value (the printed text is the report)."""

    def _ipython_display_(self) -> None:
        pass


def assignment_of(course, part: str) -> str | None:
    """The name of the assignment that has ``part`` (course.yaml), or None."""
    for assignment in course.assignments:
        if part in assignment.parts:
            return assignment.name
    return None


def find_course(course=None):
    """The course check() grades with: ``course`` when given (a Course or a course file's path), else
    the release's public facts (``curso_publico.yaml``) in the kernel's folder (the notebook's) or a
    parent, else the repository's course.yaml (a checkout). Example: ``find_course().assignments``."""
    from pathlib import Path

    from autograder.config import Course, find_public_facts, load_course

    if isinstance(course, Course):
        return course
    if course is not None:
        return load_course(course)
    facts = find_public_facts(Path.cwd())
    return load_course(facts)  # None: the repository's course.yaml


def check(part: str, *, cells: Iterable[str | CodeCell] | None = None, course=None,
          quiet: bool = False) -> "CheckReport | None":
    """Run the public checks of ``part`` on the notebook's definitions; print and return the report.

    ``cells`` (default: the IPython session's executed cells; texts or CodeCells) is there for
    tests; ``course`` (a Course or a course file; default: :func:`find_course`) too. Returns None
    when nothing could be checked.
    """
    def say(text: str) -> None:
        if not quiet:
            print(text)

    try:
        from autograder.grading.api import grade_report, using_services
        from autograder.grading.submission import submission_from_cells

        course = find_course(course)
        set_language(course.course.language)  # what check() prints is in the course's language
        assignment = assignment_of(course, part)
        if assignment is None:
            known = ", ".join(p for a in course.assignments for p in a.parts)
            say(_("? There is no part {part!r}. Parts: {known}.", part=part, known=known))
            return None
        given = executed_cells() if cells is None else list(cells)
        code_cells = [c if isinstance(c, CodeCell) else CodeCell(_("cell {number}", number=i), c) for i, c in enumerate(given, 1)]
        submission = submission_from_cells(code_cells, list(course.assignment(assignment).parts))
        with using_services(_kernel_services()):
            report = grade_report(course, submission, assignment, profile="public", only_part=part)
    except Exception as exc:  # the checker itself failed: say so, never break the notebook
        say(_("? The checks of {part} could not be run: {error}: {message}", part=part,
                error=type(exc).__name__, message=exc))
        return None
    say(format_part_report(report, part))
    return CheckReport(report.to_json())
