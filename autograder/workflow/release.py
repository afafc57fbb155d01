"""``autograder release ASSIGNMENT``: source notebook -> nbgrader generate_assignment -> the exchange.

Steps (each done by nbgrader itself, configured from course.yaml):

1. write the solution-form source notebook (``autograder.content.build.write_source_notebook``);
2. make every part's solution cell also an nbgrader *grade* cell worth its course.yaml points, so
   the gradebook has one graded cell per part (what ``nbgrader export`` and the formgrader show);
3. ``generate_assignment`` (stubs, checksums, the assignment and its cells in gradebook.db), with
   the due date from course.yaml, and the roster added as nbgrader students, with their names
   when it has them (``students`` given as :class:`RosterEntry`, or course.yaml's
   ``course.roster``: a CSV with nbgrader's ``id,first_name,last_name,email`` columns);
   beside the notebook, ``curso_publico.yaml``: the public facts ``check()`` needs where only the
   package is installed (parts, points, public seeds, limits; never a suite or a solution);
4. ``release_assignment`` into the exchange's outbound folder, where students fetch it;
5. ``<course_dir>/nbgrader_config.py``, so nbgrader's own commands work there with no flags.

Example::

    release_assignment(course, "convolutions", students=["ana", "bruno"])
    # PosixPath('.nbgrader/exchange/redes-convolucionales/outbound/convolutions')
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional, Union

import nbformat

from autograder.config import Assignment, Course, write_public_facts
from autograder.workflow.nbgrader_setup import (
    check_result, instructor_api, open_gradebook, prepare_folders, write_nbgrader_config,
)


@dataclass(frozen=True)
class RosterEntry:
    """One student of the roster as nbgrader's gradebook keeps it."""

    id: str
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None


def read_roster(path: Path) -> list[RosterEntry]:
    """A roster CSV with nbgrader's ``db student import`` columns (``id`` required; ``first_name``,
    ``last_name``, ``email`` optional); rows without an id are skipped."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [RosterEntry(row["id"].strip(), *((row.get(k) or "").strip() or None for k in ("first_name", "last_name", "email")))
                for row in csv.DictReader(handle) if (row.get("id") or "").strip()]


def release_assignment(course: Course, name: str, students: Iterable[Union[str, RosterEntry]] = ()) -> Path:
    """Generate and release one assignment; return its folder in the exchange's outbound."""
    from autograder.content.build import generate_release, write_source_notebook

    assignment = course.assignment(name)
    prepare_folders(course)
    source = write_source_notebook(course, name, course.course_dir)
    mark_parts_as_graded(source, assignment)
    released = generate_release(course, name, course.course_dir)
    write_public_facts(course, released)  # what check() reads on a student's machine
    roster = list(students) + (read_roster(course.roster_file) if course.roster_file else [])
    register_in_gradebook(course, assignment, roster)

    # force: re-releasing replaces the previous version in the exchange.
    api = instructor_api(course, {"ExchangeReleaseAssignment": {"force": True}})
    check_result(api.release_assignment(name), "release_assignment")
    write_nbgrader_config(course)
    return course.exchange_dir / course.course.id / "outbound" / name


def mark_parts_as_graded(notebook_path: Path, assignment: Assignment) -> None:
    """Give each part's solution cell ``grade: true`` and its points: nbgrader's "manually graded answer".

    Our sandboxed grader, not nbgrader's executor, scores these cells; declaring them grade cells is
    how nbgrader's gradebook gets one score per part with the right maximum.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        part = meta.get("grade_id")
        if meta.get("solution") and part in assignment.parts:
            meta["grade"] = True
            meta["points"] = float(assignment.parts[part])
    nbformat.write(notebook, notebook_path)


def register_in_gradebook(course: Course, assignment: Assignment, students: Iterable[Union[str, RosterEntry]]) -> None:
    """Due date (nbgrader stores naive UTC) and the roster, through nbgrader's Gradebook API; a
    bare id never erases a name the gradebook already has."""
    with open_gradebook(course) as gradebook:
        gradebook.update_or_create_assignment(assignment.name, duedate=utc_naive(assignment.due))
        for student in students:
            if isinstance(student, RosterEntry):
                names = {k: v for k, v in (("first_name", student.first_name), ("last_name", student.last_name),
                                           ("email", student.email)) if v}
                gradebook.update_or_create_student(student.id, **names)
            else:
                gradebook.update_or_create_student(student)


def utc_naive(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware datetime as the naive UTC value nbgrader's gradebook keeps (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
