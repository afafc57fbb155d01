"""The demo's sample class: what each student hands in, read from ``sample_class/class.yaml``.

A student's notebook is the notebook they fetched with some parts' cells filled in: with the
reference code (taken from the course's solution-form source notebook at run time), with one of
the small code files in ``sample_class/<assignment>/``, or left as the released stub. Example::

    plan = load_sample_class()["bruno"]
    plan.hand_ins["convolutions"]       # {'conv2d': 'conv2d_flipped_kernel.py', 'max_pool2d': ...}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import nbformat
import yaml

SAMPLE_DIR = Path(__file__).with_name("sample_class")
REFERENCE = "reference"
BROKEN_JSON = "broken_json"
STUB = "stub"
_MARKERS = {"### BEGIN SOLUTION", "### END SOLUTION"}


@dataclass
class StudentPlan:
    student: str
    story: str
    #: assignment -> "reference" | "broken_json" | {part: snippet file or "stub"}
    hand_ins: dict[str, Union[str, dict]] = field(default_factory=dict)
    late_days: float = 0.0
    #: first and last name, as the roster gives them to nbgrader's gradebook
    name: str = ""


def load_sample_class(path: Path = SAMPLE_DIR / "class.yaml") -> dict[str, StudentPlan]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["students"]
    plans = {}
    for student, entry in data.items():
        entry = dict(entry)
        story = entry.pop("story", "")
        late = float(entry.pop("late_days", 0.0))
        name = str(entry.pop("name", ""))
        plans[student] = StudentPlan(student, story, entry, late, name)
    return plans


def reference_code(source_notebook: Path, parts: list[str]) -> dict[str, str]:
    """Each part's cell of the solution-form notebook, without nbgrader's solution markers."""
    notebook = nbformat.read(source_notebook, as_version=4)
    code = {}
    for cell in notebook.cells:
        part = cell.metadata.get("nbgrader", {}).get("grade_id")
        if part in parts:
            code[part] = "\n".join(line for line in cell.source.splitlines() if line.strip() not in _MARKERS)
    return code


def cells_for(assignment: str, hand_in: Union[str, dict], reference: dict[str, str]) -> dict[str, str]:
    """The code each part's cell gets (parts left out keep the released stub)."""
    if hand_in == REFERENCE:
        return dict(reference)
    cells = dict(reference)
    for part, snippet in hand_in.items():
        if snippet == STUB:
            del cells[part]
        else:
            cells[part] = (SAMPLE_DIR / assignment / snippet).read_text(encoding="utf-8")
    return cells


def fill_notebook(notebook_path: Path, cells: dict[str, str]) -> None:
    """Replace the source of the solution cells whose ``grade_id`` is a key of ``cells``."""
    notebook = nbformat.read(notebook_path, as_version=4)
    for cell in notebook.cells:
        part = cell.metadata.get("nbgrader", {}).get("grade_id")
        if part in cells:
            cell.source = cells[part]
    nbformat.write(notebook, notebook_path)


def break_json(notebook_path: Path) -> None:
    """Cut the notebook file in half: what a crashed editor or a bad merge leaves."""
    text = notebook_path.read_text(encoding="utf-8")
    notebook_path.write_text(text[: len(text) // 2], encoding="utf-8")
