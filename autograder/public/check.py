"""``check(part)``: the public checks of one part, from a student's notebook.

It takes the student's current definitions from the cells run so far (only top-level imports,
functions and classes: training or example cells are never re-run), grades them with the public
suite of the part's assignment in the same sandboxed worker as the real grading, and prints a
Spanish report. It never raises: a notebook with a failing check must still run end to end.
Example (in a notebook cell)::

    from autograder.public import check
    check("conv2d")
    # ✔ conv2d: 2 de 2 comprobaciones públicas pasan.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable

from autograder.public.notebook_source import definitions_from_cells, executed_cells
from autograder.public.report import format_part_report


class CheckReport(dict):
    """The grading report of a check; shows nothing as a cell's value (the printed text is the report)."""

    def _ipython_display_(self) -> None:
        pass


def assignment_of(course, part: str) -> str | None:
    """The name of the assignment that has ``part`` (course.yaml), or None."""
    for assignment in course.assignments:
        if part in assignment.parts:
            return assignment.name
    return None


def check(part: str, *, cells: Iterable[str] | None = None, course=None, quiet: bool = False) -> "CheckReport | None":
    """Run the public checks of ``part`` on the notebook's definitions; print and return the report.

    ``cells`` (default: the IPython session's executed cells) and ``course`` (default: the
    repository's course.yaml) are there for tests. Returns None when nothing could be checked.
    """
    def say(text: str) -> None:
        if not quiet:
            print(text)

    try:
        from autograder.config import load_course
        from autograder.grading.api import grade_submission

        course = course or load_course()
        assignment = assignment_of(course, part)
        if assignment is None:
            known = ", ".join(p for a in course.assignments for p in a.parts)
            say(f"? No existe la parte {part!r}. Partes: {known}.")
            return None
        source = definitions_from_cells(executed_cells() if cells is None else cells)
        with tempfile.TemporaryDirectory(prefix="autograder-check-") as folder:
            submission = Path(folder) / f"{assignment}.py"
            submission.write_text(source + "\n", encoding="utf-8")
            report = grade_submission(course, submission, assignment, profile="public", only_part=part)
    except Exception as exc:  # the checker itself failed: say so, never break the notebook
        say(f"? No se pudieron ejecutar las comprobaciones de {part}: {type(exc).__name__}: {exc}")
        return None
    say(format_part_report(report, part))
    return CheckReport(report)
