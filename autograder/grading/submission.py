"""A submission (notebook, .py file or folder) turned into the one Python source the worker runs.

Every code cell counts, in notebook order, by the rules of :mod:`autograder.grading.extraction`
(imports, functions, classes and constants count; demo calls, prints, training and the check
cells do not run); a ``.py`` file is one cell under the same rules, and ``check()`` builds its
submission from the kernel's executed cells with :func:`submission_from_cells`. The source
always starts with the notebook's fixed import cell (:data:`IMPORT_HEADER`). A part is usually
found in its nbgrader solution cell (``grade_id`` = the part); found in another cell (broken
metadata, a later redefinition), it still counts, with a note. Nothing here runs the code.
Example::

    sub = load_submission(Path("entrega.ipynb"), "convolutions")
    sub.parts_found     # {"conv2d": "grade_id", "max_pool2d": "nombre", ...}
    sub.notes           # ["`max_pool2d`: no se encontró su celda de solución ...; se usó ..."]
    sub.extraction.map_text('File "entrega.py", line 14')   # 'celda 6, línea 3'
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Sequence

from autograder.config import Assignment, SubmissionLimits, load_course
from autograder.grading.extraction import CodeCell, Extraction, extract_cells
from autograder.student_files import Refused, read_file, scan, shown_name

#: The notebooks' fixed import cell, given to every submission.
from autograder.content.reference import IMPORT_HEADER  # the notebook's fixed import cell, one copy
from autograder.i18n import _


@dataclass
class Submission:
    """The source to run, what was noticed while extracting it, and how each part was found."""

    source: str
    notes: list[str] = field(default_factory=list)
    #: part -> "grade_id" (its nbgrader cell), "nombre" (found by its definition), "archivo" (.py)
    parts_found: dict[str, str] = field(default_factory=dict)
    #: set when nothing could be extracted (unreadable file, malformed notebook): graded 0.
    error: str | None = None
    #: where each line of ``source`` came from, and what was noticed per part (None: unreadable).
    extraction: Extraction | None = None

    def map_text(self, text: str, *, load_error: bool = False) -> str:
        """``text`` with the worker's ``entrega.py`` line numbers turned into cells and their lines."""
        return self.extraction.map_text(text, load_error=load_error) if self.extraction else text


def load_submission(path: Path | str, assignment: Assignment | str,
                    limits: SubmissionLimits | None = None) -> Submission:
    """Read a .ipynb, a .py or a folder holding the assignment's notebook (see module doc).

    Files are read through :mod:`autograder.student_files`: a symlink, a device, a FIFO, a hard
    link or a file beyond ``limits`` is refused with a note that names it, and nothing of it is read.
    """
    if isinstance(assignment, str):
        assignment = load_course().assignment(assignment)
    limits = limits or SubmissionLimits()
    path = Path(path)
    notes: list[str] = []
    try:
        if path.is_dir():
            found = _pick_from_folder(path, assignment, limits, notes)
            if found is None:  # what was refused is part of why
                return _unreadable(" ".join([_("The folder {folder} does not hold {notebook} nor a single "
                                               ".ipynb/.py that can be read.", folder=path.name,
                                               notebook=assignment.notebook), *notes]))
            notes.append(_("{file} from the folder {folder} was graded.", file=found, folder=path.name))
            name, data = found, read_file(path, found, limits)
        else:
            name, data = path.name, read_file(path.parent, path.name, limits, follow_root=True)
        text = data.decode("utf-8")
    except Refused as exc:
        return _with_notes(_unreadable(_("Could not read {path}: {reason}.", path=exc.refusal.path,
                                         reason=exc.refusal.reason)), notes)
    except UnicodeDecodeError as exc:  # its message would quote the bytes: name the position only
        return _with_notes(_unreadable(_("Could not read {name}: it is not UTF-8 text (invalid byte "
                                         "at position {position}).", name=shown_name(name), position=exc.start)), notes)
    except OSError as exc:
        return _with_notes(_unreadable(_("Could not read {name}: {error}.", name=shown_name(name),
                                         error=exc.strerror)), notes)
    if name.endswith(".ipynb"):
        return _from_notebook(text, PurePosixPath(name).name, list(assignment.parts), notes)
    return _from_python(text, list(assignment.parts), notes, PurePosixPath(name).name)


def _with_notes(sub: Submission, notes: list[str]) -> Submission:
    sub.notes[:0] = notes
    return sub


def _unreadable(message: str) -> Submission:
    return Submission(source=IMPORT_HEADER, notes=[message], error=message)


def _pick_from_folder(folder: Path, assignment: Assignment, limits: SubmissionLimits,
                      notes: list[str]) -> str | None:
    """The file to grade in ``folder`` (a path relative to it): the assignment's notebook, else
    its only .ipynb/.py. Only regular files count; every refused entry gets a note."""
    tree = scan(folder, limits, read=lambda relpath: False)
    notes.extend(tree.notes())
    candidates = sorted((p for p in tree.files if p.endswith((".ipynb", ".py"))), key=lambda p: p.split("/"))
    named = [p for p in candidates if PurePosixPath(p).name == assignment.notebook]
    if named:
        return named[0]
    return candidates[0] if len(candidates) == 1 else None


def _from_python(text: str, parts: list[str], notes: list[str], filename: str = "entrega.py") -> Submission:
    filename = re.sub(r"\s+", " ", filename)  # a label for messages: a name may hold a newline
    extraction = extract_cells([CodeCell(filename, text)], parts)
    if filename in extraction.syntax_errors:  # a module that does not compile cannot be imported at all
        error = extraction.syntax_errors[filename]
        return Submission(source=IMPORT_HEADER, notes=notes + [_("{file}: {error}", file=filename, error=error)],
                          error=error,
                          extraction=extraction)
    return _submission(extraction, parts, notes, found_as="archivo")


def _from_notebook(text: str, filename: str, parts: list[str], notes: list[str]) -> Submission:
    import nbformat

    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for broken JSON/schema
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).splitlines()[0]
        return _unreadable(_("The notebook {file} is damaged (it is not valid notebook JSON: {reason}). "
                             "Download it again or restore a copy and paste your solutions.", file=filename, reason=reason))
    found = []
    for number, cell in enumerate(notebook.cells, start=1):  # numbered as they appear, markdown included
        if cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
        source = cell.get("source", "")
        found.append((number, source if isinstance(source, str) else "".join(source),
                      grade_id if isinstance(grade_id, str) else None))
    ids = [grade_id for _number, _source, grade_id in found]
    # A part's own solution cell is named after it ("la celda de conv2d"); any other by its number.
    cells = [CodeCell(_("the cell of {part}", part=grade_id) if grade_id in parts and ids.count(grade_id) == 1
                      else _("cell {number}", number=number), source, grade_id)
             for number, source, grade_id in found]
    return submission_from_cells(cells, parts, notes)


def submission_from_cells(cells: Sequence[CodeCell], parts: list[str], notes: list[str] | None = None) -> Submission:
    """The submission of code cells in the order they run (a notebook's, or the kernel's history)."""
    notes = list(notes or [])
    extraction = extract_cells(cells, parts)
    has_cell = {cell.grade_id for cell in cells if cell.grade_id}
    sub = _submission(extraction, parts, notes, found_as="nombre")
    for part in parts:
        if part not in extraction.part_cells:
            continue
        where = extraction.part_cells[part][0]
        if extraction.part_grade_ids.get(part) == part:
            sub.parts_found[part] = "grade_id"
        elif part not in has_cell:
            sub.notes.append(_("`{part}`: its solution cell was not found (grade_id `{part}`; was its nbgrader "
                               "metadata damaged?); the definition with that name from {cell} was used.", part=part,
                               cell=where))
        else:
            sub.notes.append(_("`{part}`: the definition from {cell} (the notebook's last one with that "
                               "name) was graded, not the one in its solution cell.", part=part, cell=where))
    return sub


def _submission(extraction: Extraction, parts: list[str], notes: list[str], *, found_as: str) -> Submission:
    notes = notes + extraction.notes
    missing = [p for p in parts if p not in extraction.part_cells]
    if missing:
        notes.append(_("Not found: ") + ", ".join(f"`{p}`" for p in missing) + ".")
    return Submission(source=extraction.source, notes=notes, extraction=extraction,
                      parts_found={p: found_as for p in parts if p in extraction.part_cells})
