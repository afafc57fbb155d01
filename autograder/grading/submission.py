"""A submission (notebook, .py file or folder) turned into the one Python source the worker runs.

From a notebook we take the code of the nbgrader solution cells whose ``grade_id`` is a part's
name. Students do break cell metadata (copying cells, editing JSON by hand); then we find the
part's top-level ``def``/``class`` by name in any code cell and say so in the notes. IPython
magics and shell escapes (``%``/``!`` lines) are stripped, also with a note. The source always
starts with the notebook's fixed import cell (:data:`IMPORT_HEADER`). Nothing here runs the code.
Example::

    sub = load_submission(Path("entrega.ipynb"), "convolutions")
    sub.parts_found     # {"conv2d": "grade_id", "max_pool2d": "nombre", ...}
    sub.notes           # ["`max_pool2d`: la celda perdió sus metadatos de nbgrader; ..."]
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.config import Assignment, SubmissionLimits, load_course
from autograder.student_files import Refused, read_file, scan, shown_name

#: The notebooks' fixed import cell, given to every submission.
from autograder.content.reference import IMPORT_HEADER  # the notebook's fixed import cell, one copy


@dataclass
class Submission:
    """The source to run, what was noticed while extracting it, and how each part was found."""

    source: str
    notes: list[str] = field(default_factory=list)
    #: part -> "grade_id" (its nbgrader cell), "nombre" (found by its definition), "archivo" (.py)
    parts_found: dict[str, str] = field(default_factory=dict)
    #: set when nothing could be extracted (unreadable file, malformed notebook): graded 0.
    error: str | None = None


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
                return _unreadable(" ".join([f"La carpeta {path.name} no contiene {assignment.notebook} ni un único "
                                             ".ipynb/.py que se pueda leer.", *notes]))
            notes.append(f"Se calificó {found} de la carpeta {path.name}.")
            name, data = found, read_file(path, found, limits)
        else:
            name, data = path.name, read_file(path.parent, path.name, limits, follow_root=True)
        text = data.decode("utf-8")
    except Refused as exc:
        return _with_notes(_unreadable(f"No se pudo leer {exc.refusal.path}: {exc.refusal.reason}."), notes)
    except UnicodeDecodeError as exc:  # its message would quote the bytes: name the position only
        return _with_notes(_unreadable(f"No se pudo leer {shown_name(name)}: no es texto UTF-8 (byte no válido "
                                       f"en la posición {exc.start})."), notes)
    except OSError as exc:
        return _with_notes(_unreadable(f"No se pudo leer {shown_name(name)}: {exc.strerror}."), notes)
    if name.endswith(".ipynb"):
        return _from_notebook(text, PurePosixPath(name).name, list(assignment.parts), notes)
    return _from_python(text, list(assignment.parts), notes)


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


def _from_python(text: str, parts: list[str], notes: list[str]) -> Submission:
    defined = _top_level_names(text)
    return Submission(source=IMPORT_HEADER + "\n" + text, notes=notes,
                      parts_found={p: "archivo" for p in parts if p in defined})


def _from_notebook(text: str, filename: str, parts: list[str], notes: list[str]) -> Submission:
    import nbformat

    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for broken JSON/schema
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc).splitlines()[0]
        return _unreadable(f"El notebook {filename} está dañado (no es un JSON de notebook válido: {reason}). "
                           "Vuelve a descargarlo o restaura una copia y pega tus soluciones.")
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    chunks: list[str] = []
    parts_found: dict[str, str] = {}
    for part in parts:
        cells = [c for c in code_cells if c.metadata.get("nbgrader", {}).get("grade_id") == part]
        if cells:
            code = "\n".join(_strip_magics(c.source, part, notes) for c in cells)
            chunks.append(f"# --- {part} (celda {part}) ---\n{code}")
            parts_found[part] = "grade_id"
            continue
        fallback = _definition_by_name(code_cells, part)
        if fallback is not None:
            chunks.append(f"# --- {part} (buscado por nombre) ---\n{fallback}")
            parts_found[part] = "nombre"
            notes.append(f"`{part}`: no se encontró su celda de solución (grade_id `{part}`; ¿se dañaron sus "
                         "metadatos de nbgrader?); se usó la definición con ese nombre.")
    missing = [p for p in parts if p not in parts_found]
    if missing:
        notes.append("No se encontró: " + ", ".join(f"`{p}`" for p in missing) + ".")
    return Submission(source=IMPORT_HEADER + "\n" + "\n\n".join(chunks) + "\n", notes=notes, parts_found=parts_found)


def _strip_magics(source: str, part: str, notes: list[str]) -> str:
    """Drop IPython magic and shell-escape lines (they are not Python, and never needed to grade)."""
    kept, dropped = [], 0
    for line in source.splitlines():
        if line.lstrip().startswith(("%", "!")):
            kept.append("")  # keep the line numbers of error messages right
            dropped += 1
        else:
            kept.append(line)
    if dropped:
        notes.append(f"`{part}`: se quitaron {dropped} línea(s) con comandos mágicos de IPython (% o !).")
    return "\n".join(kept)


def _definition_by_name(cells, part: str) -> str | None:
    """The top-level def/class ``part`` from any code cell, with the defs, classes and imports
    beside it (its helpers), but none of the cell's other statements (demo calls, training)."""
    for cell in reversed(cells):  # the last definition wins, as when the notebook runs top to bottom
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        if part not in names:
            continue
        keep = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
        lines = code.splitlines()
        pieces = []
        for node in tree.body:
            if isinstance(node, keep):
                start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                pieces.append("\n".join(lines[start - 1:node.end_lineno]))
        return "\n\n".join(pieces)
    return None


def _top_level_names(text: str) -> set[str]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names
