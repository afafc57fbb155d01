"""The student notebooks are built from solutions/ and nothing else, and assignments/ is up to date
(and so are autograder/public/spec_table.json and golden_outputs.json, the other files ``build``
writes).

Builds every assignment once (nbgrader generate_assignment, in a temporary folder) and compares
the result with the committed files, then reads the released notebooks for what the contract
promises: one solution cell per part named by its grade_id, stubs instead of answers, the fixed
import cell first, and no instructor-only note (nothing about solutions/ or how it was generated).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from autograder.config import load_course
from autograder.content.build import build_assignments, write_source_notebook
from autograder.content.reference import IMPORT_HEADER, ContentError, part_sources
from autograder.content.source_notebook import make_source_notebook

COURSE = load_course()
NAMES = [a.name for a in COURSE.assignments]
COMMITTED = COURSE.root / "assignments"


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    """A fresh build of every assignment, in a temporary folder."""
    out = tmp_path_factory.mktemp("assignments")
    build_assignments(COURSE, NAMES, out_dir=out)
    return out


def released(root: Path, name: str) -> nbformat.NotebookNode:
    return nbformat.read(root / name / COURSE.assignment(name).notebook, as_version=4)


def solution_region_lines(definition: str) -> set[str]:
    """Stripped lines that appear only between the nbgrader markers of one definition."""
    inside, outside, in_solution = set(), set(), False
    for line in definition.splitlines():
        stripped = line.strip()
        if "BEGIN SOLUTION" in stripped:
            in_solution = True
        elif "END SOLUTION" in stripped:
            in_solution = False
        elif stripped:
            (inside if in_solution else outside).add(stripped)
    return inside - outside


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_up_to_date(rebuilt, name):
    notebook = COURSE.assignment(name).notebook
    committed = COMMITTED / name / notebook
    assert committed.exists(), f"{committed} is missing: run `autograder build`"
    fresh = (rebuilt / name / notebook).read_bytes()
    assert committed.read_bytes() == fresh, f"{committed} is stale: run `autograder build {name}` and commit it"


def test_committed_spec_table_is_up_to_date():
    """The public checks' names and shapes, as ``autograder build`` writes them from the reference."""
    from autograder.content.spec_table import SPEC_TABLE, build_spec_table, spec_table_text

    assert SPEC_TABLE.exists(), f"{SPEC_TABLE} is missing: run `autograder build`"
    fresh = spec_table_text(build_spec_table(COURSE.root / "solutions"))
    assert SPEC_TABLE.read_text(encoding="utf-8") == fresh, f"{SPEC_TABLE} is stale: run `autograder build` and commit it"


def test_committed_golden_outputs_are_up_to_date():
    """The known outputs the public module checks compare with, as ``build`` writes them: the same
    cases, shapes and seeds, and the same values up to another machine's rounding (the file was
    written on one CPU, the test may run on another: float32 sums of VGG16's features differ in
    their last bits between instruction sets)."""
    import json

    import numpy as np

    from autograder.content.golden_outputs import build_golden_outputs
    from autograder.public.golden import GOLDEN_FILE

    assert GOLDEN_FILE.exists(), f"{GOLDEN_FILE} is missing: run `autograder build`"
    committed = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))["cases"]
    fresh = build_golden_outputs(COURSE.root / "solutions")
    stale = f"{GOLDEN_FILE} is stale: run `autograder build` and commit it"
    assert list(committed) == list(fresh), stale
    for name, case in fresh.items():
        old = committed[name]
        assert {k: v for k, v in old.items() if k != "values"} == {k: v for k, v in case.items() if k != "values"}, stale
        rtol = 1e-5 if case["dtype"] == "float32" else 1e-10
        assert np.allclose(old["values"], case["values"], rtol=rtol, atol=rtol), f"{stale} ({name})"


def test_build_writes_the_golden_outputs_only_from_the_repositorys_solutions(tmp_path):
    """A course with solutions of its own never rewrites the package's known outputs (shipped to students)."""
    from autograder.content import golden_outputs

    target = tmp_path / "golden_outputs.json"
    assert golden_outputs.write_golden_outputs(toy_course(tmp_path), target) is None and not target.exists()


def test_build_writes_the_spec_table_only_from_the_repositorys_solutions(tmp_path):
    """A course with solutions of its own never rewrites the package's table (shipped to students)."""
    from autograder.content import spec_table

    target = tmp_path / "spec_table.json"
    assert spec_table.write_spec_table(toy_course(tmp_path), target) is None and not target.exists()
    assert spec_table.write_spec_table(COURSE, target) == target
    assert target.read_text(encoding="utf-8") == spec_table.SPEC_TABLE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NAMES)
def test_every_part_has_exactly_one_solution_cell_named_by_its_grade_id(rebuilt, name):
    cells = released(rebuilt, name).cells
    solution_ids = [c.metadata["nbgrader"]["grade_id"] for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert sorted(solution_ids) == sorted(COURSE.assignment(name).parts)
    all_ids = [c.metadata["nbgrader"]["grade_id"] for c in cells]
    assert len(all_ids) == len(set(all_ids)), "grade_ids must be unique"
    for cell in cells:
        if not cell.metadata["nbgrader"]["solution"]:
            assert cell.metadata["nbgrader"]["locked"], f"cell {cell.id} should be read-only"


@pytest.mark.parametrize("name", NAMES)
def test_released_cells_hold_stubs_and_no_reference_code(rebuilt, name):
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in released(rebuilt, name).cells}
    references = part_sources(COURSE.root / "solutions" / f"{name}.py", list(COURSE.assignment(name).parts))
    for part, definition in references.items():
        stub = cells[part].source
        assert "raise NotImplementedError()" in stub, part
        leaked = solution_region_lines(definition) & {line.strip() for line in stub.splitlines()}
        assert not leaked, f"{part}: reference lines in the student's notebook: {sorted(leaked)[:3]}"
        # The stub still defines the part (signature and docstring stay for the student).
        assert [n.name for n in ast.parse(stub).body] == [part]
    text = (rebuilt / name / COURSE.assignment(name).notebook).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text


#: What only instructors may read: where the notebook comes from and how it was made.
INSTRUCTOR_ONLY = ("solutions/", "solutions.", "autograder build", "generad", "SECRET", "tests/hidden")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_starts_with_its_title_then_the_import_cell_and_has_no_instructor_note(rebuilt, name):
    notebook = released(rebuilt, name)
    assert notebook.metadata["autograder"] == {"assignment": name}
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# Tarea")
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert first_code.source == IMPORT_HEADER
    assert any(c.source.strip() == "from autograder.public import check" for c in notebook.cells)
    for part in COURSE.assignment(name).parts:
        assert any(c.source.strip() == f'check("{part}")' for c in notebook.cells), part
    text = (rebuilt / name / COURSE.assignment(name).notebook).read_text(encoding="utf-8")
    leaked = [marker for marker in INSTRUCTOR_ONLY if marker in text]
    assert not leaked, f"{name}: the student's notebook mentions {leaked}"


@pytest.mark.parametrize("name", NAMES)
def test_source_notebook_holds_the_exact_reference_text(tmp_path, name):
    path = write_source_notebook(COURSE, name, tmp_path)
    assert path == tmp_path / "source" / name / COURSE.assignment(name).notebook
    solution_text = (COURSE.root / "solutions" / f"{name}.py").read_text(encoding="utf-8")
    cells = nbformat.read(path, as_version=4).cells
    for part in COURSE.assignment(name).parts:
        (cell,) = [c for c in cells if c.metadata["nbgrader"]["grade_id"] == part]
        assert cell.metadata["nbgrader"] == {
            "grade": False, "grade_id": part, "locked": False, "schema_version": 3, "solution": True,
        }
        assert cell.source in solution_text
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") >= 1


# --- the builder's errors, on a toy course -----------------------------------------------------

TOY_COURSE = """\
course: {id: toy, title: Toy, seed: 1}
assignments:
  - name: toy
    parts: {double: 1, triple: 1}
"""
TOY_SOLUTION = '''\
import torch


def double(x):
    """Duplica."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


def triple(x):
    """Triplica."""
    ### BEGIN SOLUTION
    return 3 * x
    ### END SOLUTION
'''
TOY_NARRATIVE = """\
# %% [markdown]
# # Juguete

# %%
{header}

# %% part="double"

# %% part="triple"
"""


def toy_course(tmp_path: Path, solution: str = TOY_SOLUTION, narrative: str | None = None):
    (tmp_path / "course.yaml").write_text(TOY_COURSE)
    (tmp_path / "solutions" / "notebooks").mkdir(parents=True)
    (tmp_path / "solutions" / "toy.py").write_text(solution)
    narrative = narrative if narrative is not None else TOY_NARRATIVE.format(header=IMPORT_HEADER)
    (tmp_path / "solutions" / "notebooks" / "toy.py").write_text(narrative)
    return load_course(tmp_path / "course.yaml")


def test_toy_course_builds_its_cells_in_narrative_order(tmp_path):
    notebook = make_source_notebook(toy_course(tmp_path), "toy")
    assert [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells] == ["cell-00", "cell-01", "double", "triple"]
    assert notebook.cells[2].source.endswith("    ### END SOLUTION")


@pytest.mark.parametrize(
    "solution, narrative, message",
    [
        (TOY_SOLUTION + "\n\ndef helper():\n    pass\n", None, "'helper', definido en el nivel superior, no es una parte"),
        (TOY_SOLUTION.split("\n\n\ndef triple")[0] + "\n", None, "sin definición en el nivel superior para la(s) parte(s) triple"),
        ("import numpy\n" + TOY_SOLUTION, None, "importa 'numpy'"),
        (TOY_SOLUTION, TOY_NARRATIVE.format(header=IMPORT_HEADER).replace('part="triple"', 'part="double"'), "marcador de posición repetido: double"),
        (TOY_SOLUTION, TOY_NARRATIVE.format(header=IMPORT_HEADER) + '\n# %% part="quadruple"\n', "parte desconocida: quadruple"),
        (TOY_SOLUTION, TOY_NARRATIVE.format(header="import torch"), "primera celda de código debe ser exactamente"),
        (TOY_SOLUTION, TOY_NARRATIVE.format(header=IMPORT_HEADER).replace('part="triple"\n', 'part="triple"\nx = 1\n'), "debe estar vacío"),
    ],
)
def test_builder_names_the_file_and_the_mistake(tmp_path, solution, narrative, message):
    course = toy_course(tmp_path, solution, narrative)
    with pytest.raises(ContentError, match=re.escape(message)):
        make_source_notebook(course, "toy")
