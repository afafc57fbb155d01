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


def test_python_file_keeps_its_definitions_after_the_import_header():
    sub = load_submission(REFERENCE, "convolutions")
    assert sub.source.startswith(IMPORT_HEADER)
    assert definitions(sub.source) == definitions(REFERENCE.read_text(encoding="utf-8"))
    assert sub.parts_found == {part: "archivo" for part in PARTS}
    assert sub.error is None and sub.notes == []
    compile(sub.source, "entrega.py", "exec", dont_inherit=True)


def test_python_file_with_a_demo_call_still_loads(tmp_path):
    path = tmp_path / "entrega.py"
    path.write_text(REFERENCE.read_text(encoding="utf-8") + "\nx = torch.randn(1, 1, 4, 4)\nprint(max_pool2d(x, 2))\n"
                    "if __name__ == '__main__':\n    print(conv2d(x, x))\n", encoding="utf-8")
    sub = load_submission(path, "convolutions")
    assert "print(" not in sub.source and "__main__" not in sub.source
    assert any("print(max_pool2d(x, 2))" in note for note in sub.notes)


def test_python_file_with_a_syntax_error_is_a_load_error(tmp_path):
    path = tmp_path / "entrega.py"
    path.write_text("def conv2d(x, w:\n    return x\n", encoding="utf-8")
    sub = load_submission(path, "convolutions")
    assert sub.error.startswith("SyntaxError") and "(línea 1)" in sub.error


def test_notebook_solution_cells_are_found_by_grade_id(tmp_path, reference_cells):
    path = notebook_with_parts(tmp_path / "convolutions.ipynb", reference_cells,
                               extra=["print(conv2d)  # fuera de las celdas de solución"])
    sub = load_submission(path, "convolutions")
    assert sub.parts_found == {part: "grade_id" for part in PARTS}
    assert sub.notes == []  # cells that only show or check something are skipped quietly
    assert set(definitions(sub.source)) >= set(PARTS)
    assert "print(conv2d)" not in sub.source
    compile(sub.source, "submission", "exec")


def test_broken_metadata_falls_back_to_the_definition_by_name(tmp_path, reference_cells):
    path = notebook_with_parts(tmp_path / "nb.ipynb", reference_cells, grade_ids=False,
                               extra=["def helper():\n    return 1\n\nresultado = helper()  # no se copia"])
    sub = load_submission(path, "convolutions")
    assert sub.parts_found == {part: "nombre" for part in PARTS}
    assert any("conv2d" in note and "metadatos" in note for note in sub.notes)
    assert set(definitions(sub.source)) >= set(PARTS) | {"helper"}
    assert "resultado = helper()" not in sub.source
    assert "    conv2d  # una celda de prueba" not in sub.source


def test_magics_are_stripped_with_a_note(tmp_path, reference_cells):
    cells = dict(reference_cells)
    cells["conv2d"] = "%matplotlib inline\n!pip install algo\n" + cells["conv2d"]
    sub = load_submission(notebook_with_parts(tmp_path / "nb.ipynb", cells), "convolutions")
    assert "%matplotlib" not in sub.source and "!pip" not in sub.source
    assert any("2 línea(s)" in note and "la celda de conv2d" in note for note in sub.notes)
    assert sub.parts_found["conv2d"] == "grade_id"
    compile(sub.source, "submission", "exec")


# --- the extraction rules (autograder/grading/extraction.py), cell by cell --------------------------------

def extract(*texts: str, parts=("conv2d", "max_pool2d")):
    from autograder.grading.extraction import CodeCell, extract_cells

    return extract_cells([CodeCell(f"celda {i}", t) for i, t in enumerate(texts, start=1)], parts)


def run(source: str) -> dict:
    """Execute an extracted source (trusted test code only) and return its namespace."""
    namespace: dict = {}
    exec(compile(source, "entrega.py", "exec", dont_inherit=True), namespace)
    return namespace


HELPER = "def a_par(v):\n    return (v, v) if isinstance(v, int) else tuple(v)\n\nprint(a_par(3))"
SOLUTION = "def conv2d(x, k):\n    return np.abs(a_par(k)[0]) + EPS\n"


def test_helpers_imports_and_constants_of_every_cell_count():
    ex = extract("import numpy as np\nimport matplotlib.pyplot as plt\nfrom autograder.public import check",
                 "EPS = 0.5\nx = np.zeros(3)  # a data variable: not a constant", HELPER, SOLUTION,
                 "print(conv2d(x, -2))\ncheck('conv2d')")
    assert run(ex.source)["conv2d"](None, -2) == 2.5
    assert "matplotlib" not in ex.source and "check" not in ex.source and "np.zeros" not in ex.source
    assert ex.part_cells["conv2d"] == ["celda 4", "celda 1", "celda 2", "celda 3"]
    # The helper cell's demo line is listed; the check cell and the plotting import are not worth a note.
    assert any(note.startswith("celda 3: no se ejecutó al calificar `print(a_par(3))`") for note in ex.notes)
    assert not any("celda 5" in note or "matplotlib" in note for note in ex.notes)


def test_a_leftover_debug_line_in_a_solution_cell_is_dropped_with_a_note():
    ex = extract("x = torch.arange(16.0).reshape(1, 1, 4, 4)", "def max_pool2d(x, k):\n    return k\nprint(max_pool2d(x, 2))")
    assert run(ex.source)["max_pool2d"](None, 3) == 3  # loads: the print never runs
    assert any("print(max_pool2d(x, 2))" in note and "línea 3" in note for note in ex.part_notes["max_pool2d"])


def test_the_later_definition_wins_and_del_undefines():
    ex = extract("def conv2d(x):\n    return 1", "def conv2d(x):\n    return 2\n_old = conv2d", "del _old")
    namespace = run(ex.source)
    assert namespace["conv2d"](0) == 2 and "_old" not in namespace
    assert ex.part_cells["conv2d"] == ["celda 2"]


@pytest.mark.parametrize("statement, kept", [
    ("EPS = 1e-6", True), ("PAIR: tuple = (1, 2)", True), ("A, B = 1, 2", True), ("NEG = float('-inf')", True),
    ("TWO_PI = 2 * math.pi", True), ("DT = torch.float64", True), ("KS = [1, 2][0:1]", True),
    ("relu = lambda t: t.clamp(min=0)", True), ("alias = conv2d", True),
    ("x = torch.zeros(3)", False), ("N = x.shape[0]", False), ("torch.allclose = lambda *a: True", False),
    ("counter += 1", False), ("CACHE = dict()", False), ("torch.manual_seed(0)", False),
])
def test_which_assignments_count_as_constants(statement, kept):
    ex = extract("import math\nimport torch\ndef conv2d(x):\n    return x", statement)
    assert (statement in ex.source) is kept


def test_an_item_of_a_container_a_dropped_statement_filled_is_not_a_constant():
    # The features section of the architectures notebook: a dict filled by a loop, then read.
    ex = extract("resultados = {}\nfor clave in ('a', 'b'):\n    resultados[clave] = 1\n"
                 "primera, segunda = resultados['a'], resultados['b']",
                 "TAMANOS = [3, 5]\nprint(TAMANOS)\nK = TAMANOS[0]",
                 "TABLA = {}\nTABLA.update(a=1)\nTABLA = {'a': 2}\nVALOR = TABLA['a']",
                 "PASOS = {'a': 1}\nprint(PASOS.keys(), PASOS.get('a'))\nPASO = PASOS['a']",
                 "CAPAS = [1]\nCAPAS.append(2)\nULTIMA = CAPAS[-1]")
    namespace = run(ex.source)  # loads: without the loop, `resultados['a']` would be a KeyError
    assert "primera" not in namespace and "segunda" not in namespace
    assert namespace["K"] == 3  # only read by the print: still a constant
    assert namespace["VALOR"] == 2  # rebound by a kept constant after the change
    assert namespace["PASO"] == 1  # keys() and get() only read the dict
    assert "ULTIMA" not in namespace  # CAPAS[-1] is 2 in the notebook, 1 without the append


def test_definitions_that_need_a_dropped_name_to_be_defined_are_dropped_with_the_reason():
    ex = extract("filtro = torch.ones(1)", "def conv2d(x, w=filtro):\n    return x",
                 "if True:\n    def max_pool2d(x):\n        return x")
    assert "def conv2d" not in ex.source and "def max_pool2d" not in ex.source
    run(ex.source)  # nothing left that fails at load
    assert any("`filtro`" in note for note in ex.part_notes["conv2d"])
    assert any("dentro de un bloque" in note for note in ex.part_notes["max_pool2d"])


def test_a_part_reading_a_data_variable_gets_a_note():
    ex = extract("filtro = torch.ones(1)", "def conv2d(x):\n    return x * filtro")
    assert any("`conv2d` usa `filtro`" in note and "celda 1" in note for note in ex.part_notes["conv2d"])


@pytest.mark.parametrize("magic, kept", [("%%time", True), ("%%capture salida", True), ("%%timeit", False),
                                         ("%%bash", False), ("%%writefile algo.py", False)])
def test_cell_magics(magic, kept):
    ex = extract(f"{magic}\ndef conv2d(x):\n    return x\n")
    assert ("def conv2d" in ex.source) is kept
    assert ex.notes  # said either way
    if kept:
        assert ex.locate(ex.line_map[0][0]) == ("celda 1", 2)  # line numbers of the cell kept


def test_line_magics_inside_blocks_and_continuations():
    ex = extract("def conv2d(x):\n    %time y = 1\n    return (x\n        % 3)\nconv2d?\nres = !ls")
    assert run(ex.source)["conv2d"](7) == 1  # `% 3` continues an expression: not a magic
    assert any("3 línea(s)" in n and "línea(s) 2, 5, 6." in n for n in ex.notes), ex.notes


def test_a_cell_that_is_not_python_is_skipped_and_a_broken_later_version_is_said():
    ex = extract("def conv2d(x):\n    return 1", "def conv2d(x:\n    return 2")
    assert run(ex.source)["conv2d"](0) == 1
    assert any("error de sintaxis" in n or "no es Python válido" in n for n in ex.part_notes["conv2d"])
    assert any("versión anterior" in n for n in ex.part_notes["conv2d"])


def test_future_imports_are_hoisted_and_the_source_compiles_as_written():
    ex = extract("import torch", "from __future__ import annotations\ndef conv2d(x: Tensor) -> Tensor:\n    return x")
    assert ex.source.startswith("from __future__ import annotations\n")
    run(ex.source)  # Tensor is never evaluated, as in the notebook
    plain = extract("def conv2d(x):\n    return x.__annotations__ if False else 1")
    assert "from __future__" not in plain.source


def test_traceback_lines_name_the_cell():
    ex = extract("import torch", "EPS = 1\n\ndef conv2d(x):\n    y = 1\n    return undefined_name")
    line = next(first for first, _, label, cell_line in ex.line_map if label == "celda 2" and cell_line == 3)
    traceback = f'  File "entrega.py", line {line + 2}, in conv2d\n    return undefined_name\nNameError: ...'
    assert ex.map_text(traceback).startswith("  celda 2, línea 5 de la celda, en conv2d")
    assert ex.map_text('File "entrega.py", line 2') == 'File "entrega.py", line 2'  # the header is ours


def test_class_bodies_run_at_load_so_extraction_is_no_security_boundary():
    """A class body is a definition and runs when the source loads: an attacker keeps load-time
    code that way. Extraction only decides what counts; the sandbox contains what runs."""
    ex = extract("import os\nclass _Ataque:\n    os.getpid()\n    pid = os.getpid()")
    assert "os.getpid()" in ex.source


@pytest.mark.parametrize("text", ["(" * 300 + ")" * 300, "-" * 50_000 + "1", "x = 1\x00", "def f(:\n" * 2000,
                                  "%%" + "a" * 10_000, "\ufeffdef conv2d(x):\n    return x"])
def test_hostile_cells_never_break_the_extraction(text):
    ex = extract(text, "def max_pool2d(x):\n    return x")
    assert "def max_pool2d" in ex.source
    compile(ex.source, "entrega.py", "exec", dont_inherit=True)
    # ...nor the next student's, graded by the same process (class grading runs in threads).
    assert "def conv2d" in extract("def conv2d(x, w):\n    return x").source


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


def test_a_file_name_cannot_smuggle_code_into_the_source(tmp_path):
    """A Linux file name may hold a newline; it names the file in comments and messages only."""
    path = tmp_path / "entrega\nimport os; os.system('echo fuera').py"
    path.write_text("def conv2d(x, w):\n    return x\n", encoding="utf-8")
    sub = load_submission(path, "convolutions")
    assert "os.system" not in "\n".join(line for line in sub.source.splitlines() if not line.startswith("#"))
    # Such a name is refused at the door (student_files), shown escaped: no newline reaches a message.
    assert sub.parts_found == {} and "\\x0a" in sub.error and "\n" not in sub.error
