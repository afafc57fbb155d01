"""Reads a notebook narrative: ``solutions/notebooks/<assignment>.py`` in jupytext's percent format.

Markdown cells are ``# %% [markdown]`` blocks; code cells are ``# %%`` blocks. A part's place is
an empty code cell whose header names it, ``# %% part="conv2d"``: the builder fills it with the
reference code of that part, so the narrative never repeats it. Example::

    cells = read_narrative(Path("solutions/notebooks/convolutions.py"))
    [c.metadata.get("part") for c in cells if c.cell_type == "code"][:2]   # [None, 'conv2d']
"""
from __future__ import annotations

from pathlib import Path

import jupytext
from nbformat import NotebookNode

from autograder.content.reference import IMPORT_HEADER, ContentError
from autograder.i18n import N_i, _i

#: Cell-metadata key of a placeholder cell in a narrative.
PART_KEY = "part"


def read_narrative(path: Path, parts: list[str]) -> list[NotebookNode]:
    """The narrative's cells, checked: one empty placeholder per part, the import cell first.

    Raises :class:`ContentError` naming the file and the problem.
    """
    notebook = jupytext.read(path, fmt="py:percent")
    cells = list(notebook.cells)
    code_cells = [c for c in cells if c.cell_type == "code"]
    if not code_cells or code_cells[0].source.strip() != IMPORT_HEADER:
        raise ContentError(f"{path}: " + _i("the first code cell must be exactly:\n{header}", header=IMPORT_HEADER))

    placed = [c.metadata[PART_KEY] for c in cells if PART_KEY in c.metadata]
    unknown = sorted(set(placed) - set(parts))
    repeated = sorted({p for p in placed if placed.count(p) > 1})
    missing = [p for p in parts if p not in placed]
    for problem, names in [(N_i("unknown part"), unknown), (N_i("repeated placeholder"), repeated),
                           (N_i("no placeholder for"), missing)]:
        if names:
            raise ContentError(f"{path}: " + _i("{problem}: {names} (course.yaml parts: {parts})", problem=_i(problem),
                                                names=", ".join(names), parts=", ".join(parts)))
    for cell in cells:
        if PART_KEY in cell.metadata and cell.source.strip():
            raise ContentError(f"{path}: " + _i("the placeholder of {part} must be empty; its code comes from solutions/",
                                                part=repr(cell.metadata[PART_KEY])))
    return cells
