"""The student's current definitions, taken from the cells a notebook has executed so far.

``check(part)`` must grade what the student wrote without re-running training or example cells
(they can take minutes, or change state). So from every executed cell we keep only the top-level
``import``, ``def`` and ``class`` statements, in execution order: a later definition of a name
simply overrides an earlier one when the worker runs the source, exactly as in the notebook.
Imports of anything but the standard library, torch and numpy (the checker itself, plotting and
the applications' datasets) are dropped too: no part needs them. Example::

    >>> definitions_from_cells(["x = 1\\ndef f():\\n    return 2", "print(f())"])
    'def f():\\n    return 2'
"""
from __future__ import annotations

import ast
import sys
from typing import Iterable

#: Statements that define something; everything else (assignments, calls, loops) is dropped.
_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

#: Besides the standard library, the only packages a part may use (the statement's rules).
_PART_PACKAGES = frozenset({"torch", "numpy", "math"})


def _imports_something_else(node: ast.stmt) -> bool:
    """True for an import the parts never need: the checker itself (``from autograder.public
    import check``) and the applications' libraries (matplotlib, scikit-learn, scikit-image).
    Dropping them keeps the sandboxed worker from failing to load a plotting library."""
    if isinstance(node, ast.ImportFrom):
        modules = [] if node.level else [node.module or ""]
    elif isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
    else:
        return False
    return any(not (m.split(".")[0] in _PART_PACKAGES or m.split(".")[0] in sys.stdlib_module_names)
               for m in modules)


def definitions_from_cells(cells: Iterable[str]) -> str:
    """Join the top-level import/def/class statements of ``cells`` (executed order) into one source.

    A cell that does not parse (a half-written one the student ran and got a SyntaxError from) is
    skipped: it defined nothing in the notebook either.
    """
    pieces: list[str] = []
    for cell in cells:
        if not cell or not cell.strip():
            continue
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, _DEFINITIONS) and not _imports_something_else(node):
                segment = ast.get_source_segment(cell, node, padded=False)
                # Decorators sit above the node's first line; include them.
                first_line = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
                if first_line != node.lineno:
                    lines = cell.splitlines()
                    segment = "\n".join(lines[first_line - 1 : node.end_lineno])
                pieces.append(segment)
    return "\n\n".join(pieces)


def executed_cells() -> list[str]:
    """The sources of the cells run so far in the current IPython session (its ``In`` history).

    Raises RuntimeError outside IPython: ``check`` is meant for a notebook; in a shell the
    student runs ``autograder check NOTEBOOK`` instead.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every Jupyter kernel
        get_ipython = lambda: None  # noqa: E731
    shell = get_ipython()
    if shell is None or "In" not in shell.user_ns:
        raise RuntimeError(
            "check() se usa dentro de un notebook de Jupyter; "
            "en una terminal ejecuta: autograder check NOTEBOOK.ipynb"
        )
    return [cell for cell in shell.user_ns["In"] if isinstance(cell, str)]
