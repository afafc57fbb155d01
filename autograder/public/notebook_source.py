"""The cells ``check(part)`` grades: the ones the notebook's kernel has executed, as typed.

``check()`` must judge what the student wrote without re-running training or example cells
(they can take minutes, or change state), and it must agree with the grade. So it takes the raw
text of every cell the kernel ran, in the order it ran them (IPython's ``input_hist_raw``: magics
as typed, not IPython's translation of them), and hands them to the SAME extraction the grader
applies to the saved notebook (autograder/grading/extraction.py): only imports, functions,
classes and constants count, a later definition wins. Run top to bottom (Restart & Run All, or
cell by cell in order), the executed cells ARE the notebook's cells, so check() and grading see
the same source.

Why the history and not the saved ``.ipynb``: the kernel cannot reliably find its notebook file
(no path is given to it by Jupyter, nbclient or VS Code in the same way), and the file on disk
lags behind what the student just ran until Jupyter autosaves; a check that graded the stale
file would report the bug the student has just fixed. The price: a cell the student ran and then
deleted still counts in check() but not in the grade (the README says: Restart & Run All, then
save, before handing in). Each cell is named by its execution count (``In [12]``), the number
Jupyter shows beside it. Example::

    >>> [cell.label for cell in cells_from_history(["", "import torch", "check('conv2d')"])]
    ['In [1]', 'In [2]']
"""
from __future__ import annotations

from typing import Sequence

from autograder.grading.extraction import CodeCell
from autograder.i18n import _


def cells_from_history(history: Sequence[str]) -> list[CodeCell]:
    """``history[n]`` is the text of ``In [n]`` (entry 0 is IPython's empty placeholder)."""
    return [CodeCell(f"In [{number}]", text) for number, text in enumerate(history)
            if number > 0 and isinstance(text, str)]


def executed_cells() -> list[CodeCell]:
    """The cells run so far in the current IPython session, as typed (magics included).

    Raises RuntimeError outside IPython: ``check`` is meant for a notebook; in a shell the
    student runs ``autograder check NOTEBOOK`` instead.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every Jupyter kernel
        get_ipython = lambda: None  # noqa: E731
    shell = get_ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if shell is None or history is None:
        raise RuntimeError(
            _("check() is used inside a Jupyter notebook; "
              "in a terminal run: autograder check NOTEBOOK.ipynb")
        )
    return cells_from_history(list(history))
