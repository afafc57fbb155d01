"""One notebook, one verdict: the notebook's check(), ``autograder check`` and the grade agree.

A student's convolutions notebook, built from the released one as students write them: helper
functions in a cell of their own above conv2d's solution cell, ``import numpy as np`` in another,
a leftover ``print(max_pool2d(x, 2))`` (``x`` from an earlier example cell) at the end of a
solution cell, a ``%%time`` on avg_pool2d's cell, and conv_transpose2d left as the stub. It is
executed once in a real Jupyter kernel (its check() cells print their verdicts) while the saved
notebook is graded (profile "hidden") and checked (profile "public", what ``autograder check``
runs), and the three released notebooks, untouched, are graded too: they score exactly 0.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from autograder.config import load_course
from autograder.content.reference import part_sources
from autograder.grading.api import grade_submission
from tests.test_notebooks_run import execute_all, printed_text

COURSE = load_course()
SPEC = COURSE.assignment("convolutions")
RELEASED = {a.name: COURSE.root / "assignments" / a.name / a.notebook for a in COURSE.assignments}

HELPER_CELL = '''def a_par(valor):
    """(v, v) para un entero; el par tal cual si ya lo es."""
    return (valor, valor) if isinstance(valor, int) else tuple(valor)


{reference}

print(a_par(3))  # probando el ayudante
'''
CONV2D_CELL = '''def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    escala = float(np.float64(1.0))  # np viene de la celda de imports del estudiante
    stride = stride if isinstance(stride, int) else a_par(stride)
    return _conv2d_de_clase(x, weight, bias, stride, padding, dilation) * escala
'''


def student_notebook(path: Path) -> Path:
    """The released notebook with the answers written the way students write them (module doc)."""
    notebook = nbformat.read(RELEASED["convolutions"], as_version=4)
    reference = part_sources(COURSE.root / "solutions" / "convolutions.py", list(SPEC.parts))
    cells = notebook.cells
    index = {cell.metadata.get("nbgrader", {}).get("grade_id"): i for i, cell in enumerate(cells)}
    cells[index["max_pool2d"]].source = reference["max_pool2d"] + "\n\nprint(max_pool2d(x, 2))"
    cells[index["avg_pool2d"]].source = "%%time\n" + reference["avg_pool2d"]
    cells[index["conv2d"]].source = CONV2D_CELL
    renamed = reference["conv2d"].replace("def conv2d(", "def _conv2d_de_clase(", 1)
    helper = nbformat.v4.new_code_cell(HELPER_CELL.format(reference=renamed))
    numpy = nbformat.v4.new_code_cell("import numpy as np")
    notebook.cells = cells[:index["conv2d"]] + [numpy, helper] + cells[index["conv2d"]:]
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verdicts")
    notebook = student_notebook(folder / "convolutions.ipynb")
    with ThreadPoolExecutor(max_workers=5) as pool:
        kernel = pool.submit(execute_all, [(notebook, folder, True)])
        graded = pool.submit(grade_submission, COURSE, notebook, "convolutions")
        checked = pool.submit(grade_submission, COURSE, notebook, "convolutions", profile="public")
        released = {name: pool.submit(grade_submission, COURSE, path, name, profile="gate")
                    for name, path in RELEASED.items()}
        (executed,) = kernel.result()
        if isinstance(executed, Exception):
            raise executed
        return {"kernel": printed_text(executed), "graded": graded.result(), "checked": checked.result(),
                "released": {name: future.result() for name, future in released.items()}}


def kernel_verdicts(text: str) -> dict[str, bool]:
    """part -> passed, from the lines check() printed in the notebook (✔/✘ at a line's start)."""
    return {part: mark == "✔" for mark, part in re.findall(r"^([✔✘]) (\w+):", text, flags=re.MULTILINE)
            if part in SPEC.parts}


def test_check_in_the_kernel_autograder_check_and_the_grade_agree_part_by_part(outcomes):
    in_kernel = kernel_verdicts(outcomes["kernel"])
    checked = {p: v["score"] == v["max_score"] for p, v in outcomes["checked"]["parts"].items()}
    graded = {p: v["score"] == v["max_score"] for p, v in outcomes["graded"]["parts"].items()}
    expected = {"conv2d": True, "max_pool2d": True, "avg_pool2d": True, "conv_transpose2d": False}
    assert in_kernel == checked == graded == expected, (in_kernel, checked, graded, outcomes["kernel"][-3000:])


def test_helpers_imports_a_leftover_print_and_time_magic_cost_nothing(outcomes):
    report = outcomes["graded"]
    assert report["status"] == "graded" and report["load_error"] is None
    assert report["score"] == 60.0  # conv2d 30 + max_pool2d 15 + avg_pool2d 15; conv_transpose2d is a stub
    conv2d = report["parts"]["conv2d"]
    # Its own cell first, then the fixed import cell, the numpy cell and the helper cell.
    assert len(conv2d["cells"]) == 4 and conv2d["cells"][0] != conv2d["cells"][1]
    assert any("print(max_pool2d(x, 2))" in note for note in report["parts"]["max_pool2d"]["notes"])
    assert any("%%time" in note for note in report["parts"]["avg_pool2d"]["notes"])
    assert "✔ avg_pool2d" in outcomes["kernel"]  # the same %%time cell passes check() in the kernel


def test_the_stub_is_reported_as_not_done_and_scores_zero(outcomes):
    stub = outcomes["graded"]["parts"]["conv_transpose2d"]
    assert stub["score"] == 0 and stub["not_implemented"]
    assert all("No implementada todavía" in t["message"] for t in stub["tests"])
    assert "✘ conv_transpose2d: no implementado todavía" in outcomes["kernel"]


@pytest.mark.parametrize("name", list(RELEASED))
def test_an_untouched_released_notebook_scores_exactly_zero(outcomes, name):
    report = outcomes["released"][name]
    assert report["status"] == "graded" and report["score"] == 0.0
    assert all(part["not_implemented"] and part["score"] == 0 for part in report["parts"].values())
    assert all(t["points"] == 0 for part in report["parts"].values() for t in part["tests"])


def test_points_per_test_reach_the_report_and_add_up(outcomes):
    for part, entry in outcomes["graded"]["parts"].items():
        assert sum(t["max_points"] for t in entry["tests"]) == pytest.approx(entry["max_score"], abs=1e-3)
        assert sum(t["points"] for t in entry["tests"]) == pytest.approx(entry["score"], abs=1e-3)
    # conv2d's 30 points, by kind (course.yaml test_weights): round numbers.
    shares = {t["kind"]: t["max_points"] for t in outcomes["graded"]["parts"]["conv2d"]["tests"]}
    assert shares["matches_reference"] == 15 and shares["examples"] == 6 and shares["gradients"] == 3
    assert re.search(r"\[\d+(\.\d+)?/\d+(\.\d+)?\]", outcomes["kernel"])  # check() shows them too


def test_the_feedback_page_shows_points_per_test_and_where_each_part_came_from(outcomes):
    from autograder.grading.report import Report
    from autograder.workflow.feedback_pages import render_feedback

    page = render_feedback(Report.from_json(outcomes["graded"]), "estudiante", "Convoluciones")
    assert "<th>puntos</th>" in page and "15 / 15" in page and "0 / 15" in page  # conv2d / conv_transpose2d
    assert "Calificado desde: la celda de" in page and "no implementada todavía" in page
    assert "print(max_pool2d(x, 2))" in page  # the note about the dropped debug line
