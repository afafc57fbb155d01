"""Reads the reference code of each part out of ``solutions/<assignment>.py``.

A part's cell in the notebook is the exact source text of the top-level ``def``/``class`` of
the same name (docstring, nbgrader markers and all), cut out with :mod:`ast` so that nothing is
ever copied by hand. Example::

    part_sources(Path("solutions/convolutions.py"), ["conv2d", "max_pool2d"])
    # {'conv2d': 'def conv2d(x, weight, bias=None, ...):\\n    ...', 'max_pool2d': ...}
"""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.i18n import _i
from autograder.errors import ContentError  # noqa: F401 - raised here; imported from here by callers

#: The notebook's first code cell; the grader prepends the same lines to every submission, so a
#: part may use only these names besides its own earlier parts.
IMPORT_HEADER = "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F"

# Imports a solution module may contain: the header's, plus ones that only matter to Python.
_ALLOWED_IMPORTS = {"math", "torch", "torch.nn", "torch.nn.functional", "__future__"}


def part_sources(solution_file: Path, parts: list[str]) -> dict[str, str]:
    """Map each part name to the source text of its top-level definition in ``solution_file``.

    Raises :class:`ContentError` when a part is missing or defined twice, when the module holds
    another top-level definition (it would be missing from the notebook) or imports a module the
    notebook's import cell does not.
    """
    text = solution_file.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(solution_file))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name not in parts:
                raise ContentError(f"{solution_file}:{node.lineno}: " + _i(
                    "top-level {name} is not a part of course.yaml; the notebook would not contain it "
                    "(make it a part or move it inside one)", name=repr(node.name)))
            if node.name in found:
                raise ContentError(f"{solution_file}:{node.lineno}: " + _i("part {name} is defined twice",
                                                                          name=repr(node.name)))
            found[node.name] = _definition_text(text, node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            _check_import(solution_file, node)
    missing = [p for p in parts if p not in found]
    if missing:
        raise ContentError(f"{solution_file}: " + _i("no top-level definition for part(s) {parts}",
                                                     parts=", ".join(missing)))
    return {part: found[part] for part in parts}


def _definition_text(text: str, node: ast.AST) -> str:
    lines = text.splitlines()
    # The AST starts at the `def`/`class` keyword (decorators sit above it) and ends at the last
    # statement, so a trailing `### END SOLUTION` comment is not part of the node: keep the
    # indented comment lines that follow it, as they belong to the body.
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    last = node.end_lineno
    for line in lines[last:]:
        stripped = line.strip()
        if stripped and not (line[:1].isspace() and stripped.startswith("#")):
            break
        last += 1
    while last > node.end_lineno and not lines[last - 1].strip():
        last -= 1
    return "\n".join(lines[first - 1 : last])


def _check_import(solution_file: Path, node: ast.Import | ast.ImportFrom) -> None:
    modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    for module in modules:
        if module not in _ALLOWED_IMPORTS:
            raise ContentError(f"{solution_file}:{node.lineno}: " + _i(
                "imports {module}, which the notebook's import cell does not provide; use only: {header}",
                module=repr(module), header=IMPORT_HEADER.replace(chr(10), "; ")))
