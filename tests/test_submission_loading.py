"""Turning a submission (notebook, .py, folder) into the worker's source: autograder/grading/submission.py.

Fast: nothing here runs student code.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from autograder.config import load_course
from autograder.grading.submission import IMPORT_HEADER, load_submission

REFERENCE = Path(__file__).resolve().parents[1] / "solutions" / "convolutions.py"
PARTS = list(load_course().assignment("convolutions").parts)


def definitions(source: str) -> dict[str, str]:
    """Top-level name -> source text of each def/class in ``source``."""
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node) for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def notebook_with_parts(path: Path, cells: dict[str, str], *, grade_ids: bool = True, extra: list[str] = ()) -> Path:
    """A notebook like the released one: an import cell, then one solution cell per part."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(IMPORT_HEADER))
    for code in extra:
        notebook.cells.append(nbformat.v4.new_code_cell(code))
    for part, code in cells.items():
        cell = nbformat.v4.new_code_cell(code)
        if grade_ids:
            cell.metadata["nbgrader"] = {"grade_id": part, "solution": True, "grade": False, "locked": False,
                                         "schema_version": 3}
        notebook.cells.append(cell)
        notebook.cells.append(nbformat.v4.new_code_cell(f"{part}  # una celda de prueba del estudiante"))
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def reference_cells() -> dict[str, str]:
    found = definitions(REFERENCE.read_text(encoding="utf-8"))
    return {part: found[part] for part in PARTS}


def test_python_file_is_taken_whole_after_the_import_header():
    sub = load_submission(REFERENCE, "convolutions")
    assert sub.source.startswith(IMPORT_HEADER)
    assert REFERENCE.read_text(encoding="utf-8") in sub.source
    assert sub.parts_found == {part: "archivo" for part in PARTS}
    assert sub.error is None


def test_notebook_solution_cells_are_found_by_grade_id(tmp_path, reference_cells):
    path = notebook_with_parts(tmp_path / "convolutions.ipynb", reference_cells,
                               extra=["print(conv2d)  # fuera de las celdas de solución"])
    sub = load_submission(path, "convolutions")
    assert sub.parts_found == {part: "grade_id" for part in PARTS}
    assert sub.notes == []
    assert set(definitions(sub.source)) >= set(PARTS)
    assert "print(conv2d)" not in sub.source  # only solution cells are graded
    compile(sub.source, "submission", "exec")


def test_broken_metadata_falls_back_to_the_definition_by_name(tmp_path, reference_cells):
    path = notebook_with_parts(tmp_path / "nb.ipynb", reference_cells, grade_ids=False,
                               extra=["def helper():\n    return 1\n\nresultado = helper()  # no se copia"])
    sub = load_submission(path, "convolutions")
    assert sub.parts_found == {part: "nombre" for part in PARTS}
    assert any("conv2d" in note and "metadatos" in note for note in sub.notes)
    assert set(definitions(sub.source)) >= set(PARTS)
    assert "resultado = helper()" not in sub.source
    assert "    conv2d  # una celda de prueba" not in sub.source


def test_magics_are_stripped_with_a_note(tmp_path, reference_cells):
    cells = dict(reference_cells)
    cells["conv2d"] = "%matplotlib inline\n!pip install algo\n" + cells["conv2d"]
    sub = load_submission(notebook_with_parts(tmp_path / "nb.ipynb", cells), "convolutions")
    assert "%matplotlib" not in sub.source and "!pip" not in sub.source
    assert any("2 línea(s)" in note and "conv2d" in note for note in sub.notes)
    compile(sub.source, "submission", "exec")


def test_missing_part_is_noted(tmp_path, reference_cells):
    cells = {p: c for p, c in reference_cells.items() if p != "avg_pool2d"}
    sub = load_submission(notebook_with_parts(tmp_path / "nb.ipynb", cells), "convolutions")
    assert "avg_pool2d" not in sub.parts_found
    assert any("`avg_pool2d`" in note for note in sub.notes)


def test_malformed_notebook_is_an_error_with_a_clear_note(tmp_path):
    path = tmp_path / "convolutions.ipynb"
    path.write_text('{"cells": [ {"cell_type": "code", ', encoding="utf-8")
    sub = load_submission(path, "convolutions")
    assert sub.error is not None and "dañado" in sub.error
    assert sub.notes == [sub.error]


def test_folder_prefers_the_assignment_notebook(tmp_path, reference_cells):
    notebook_with_parts(tmp_path / "convolutions.ipynb", reference_cells)
    (tmp_path / "borrador.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "convolutions-checkpoint.ipynb").write_text("{}", encoding="utf-8")
    sub = load_submission(tmp_path, "convolutions")
    assert sub.parts_found == {part: "grade_id" for part in PARTS}
    assert any("convolutions.ipynb" in note for note in sub.notes)


def test_folder_with_a_single_python_file(tmp_path):
    (tmp_path / "entrega.py").write_text("def conv2d(x, w):\n    return x\n", encoding="utf-8")
    sub = load_submission(tmp_path, "convolutions")
    assert sub.parts_found == {"conv2d": "archivo"}


def test_folder_without_a_submission_is_an_error(tmp_path):
    (tmp_path / "a.py").write_text("", encoding="utf-8")
    (tmp_path / "b.py").write_text("", encoding="utf-8")
    assert load_submission(tmp_path, "convolutions").error is not None


def test_unknown_assignment_is_a_config_error(tmp_path):
    from autograder.config import CourseConfigError

    with pytest.raises(CourseConfigError):
        load_submission(REFERENCE, "no_existe")
