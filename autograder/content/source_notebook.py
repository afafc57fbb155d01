"""Joins a narrative and the reference code into one nbgrader *source* notebook.

Each part's placeholder becomes an nbgrader solution cell (``grade_id`` = the part's name,
the grader finds the student's code by it); every other cell is a locked read-only cell, so a
student cannot break the narrative, the examples or the checks. Cell ids and grade ids are
derived from positions and names, never random, so the same input gives the same file. Example::

    notebook = make_source_notebook(course, "convolutions")
    notebook.cells[3].metadata.nbgrader
    # {'grade': False, 'grade_id': 'conv2d', 'locked': False, 'schema_version': 3, 'solution': True}
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.config import Course
from autograder.content.narrative import PART_KEY, read_narrative
from autograder.content.reference import part_sources

#: Where the builder comes from is instructor knowledge: the notebook a student opens says nothing
#: about ``solutions/`` or how it was made (the staleness test in tests/test_content_build.py and
#: the README tell instructors that ``assignments/`` is generated). Its metadata names only the
#: assignment.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def solution_file(course: Course, assignment_name: str) -> Path:
    """``solutions/<assignment>.py``: the reference code of every part (secret)."""
    return course.root / "solutions" / f"{assignment_name}.py"


def narrative_file(course: Course, assignment_name: str) -> Path:
    """``solutions/notebooks/<assignment>.py``: the notebook's Spanish narrative (jupytext)."""
    return course.root / "solutions" / "notebooks" / f"{assignment_name}.py"


def make_source_notebook(course: Course, assignment_name: str) -> NotebookNode:
    """The nbgrader source notebook of one assignment, with solutions in place."""
    assignment = course.assignment(assignment_name)
    parts = list(assignment.parts)
    sources = part_sources(solution_file(course, assignment_name), parts)
    narrative = read_narrative(narrative_file(course, assignment_name), parts)

    notebook = nbformat.v4.new_notebook()
    for index, cell in enumerate(narrative):
        part = cell.metadata.get(PART_KEY)
        if part is not None:
            notebook.cells.append(_solution_cell(part, sources[part]))
        else:
            notebook.cells.append(_locked_cell(cell, f"cell-{index:02d}"))
    notebook.metadata = {
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        "autograder": {"assignment": assignment_name},
    }
    return notebook


def _nbgrader_metadata(grade_id: str, *, solution: bool) -> dict:
    return {"grade": False, "grade_id": grade_id, "locked": not solution, "schema_version": 3, "solution": solution}


def _solution_cell(part: str, source: str) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(source, id=part)
    cell.metadata = {"nbgrader": _nbgrader_metadata(part, solution=True)}
    return cell


def _locked_cell(cell: NotebookNode, grade_id: str) -> NotebookNode:
    make = nbformat.v4.new_markdown_cell if cell.cell_type == "markdown" else nbformat.v4.new_code_cell
    locked = make(cell.source, id=grade_id)
    locked.metadata = {"nbgrader": _nbgrader_metadata(grade_id, solution=False)}
    return locked
