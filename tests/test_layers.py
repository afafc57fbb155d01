"""The package's layers, read from every module's imports (AST): a lower layer never imports a higher one.

sandbox/ (the worker and its protocol) < grading/ (the trusted side) < workflow/, export/ (the
course and other engines) < cli/ (parsing and printing); content/ and public/ beside grading.
``autograder.errors``, ``config``, ``messages``, ``student_files`` and ``strategies`` sit below them all.
Every import statement counts, at any depth (a function's lazy import too), absolute or relative.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder.config import REPO_ROOT

PACKAGE = REPO_ROOT / "autograder"

#: Layer (a subpackage, or a module without its .py) -> the subpackages it may never import.
FORBIDDEN = {
    "errors": {"sandbox", "grading", "workflow", "export", "content", "public", "cli", "config"},
    "sandbox": {"grading", "workflow", "export", "cli"},
    "grading": {"workflow", "export", "cli"},
    "content": {"workflow", "export", "cli"},
    "public": {"workflow", "export", "cli"},
    "workflow": {"cli"},
    "export": {"cli"},
    # The modules every layer shares: below the layers that use them.
    "config": {"sandbox", "grading", "workflow", "export", "content", "public", "cli"},
    "messages": {"sandbox", "grading", "workflow", "export", "content", "public", "cli"},
    "student_files": {"sandbox", "grading", "workflow", "export", "content", "public", "cli"},
    "strategies": {"sandbox", "grading", "workflow", "export", "content", "public", "cli"},
    "i18n": {"sandbox", "grading", "workflow", "export", "content", "public", "cli", "config", "errors"},
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of everything ``path`` imports, relative imports resolved."""
    package = ["autograder", *path.relative_to(PACKAGE).parent.parts]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            # `from autograder import cli` imports autograder.cli: each name may be a module.
            found += [(node.lineno, module)] + [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def layer_of(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def violations(path: Path) -> list[str]:
    forbidden = FORBIDDEN.get(layer_of(path), set())
    bad = []
    for line, name in imported_modules(path):
        parts = name.split(".")
        if len(parts) > 1 and parts[0] == "autograder" and parts[1] in forbidden:
            bad.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {name}")
    return bad


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_layer_is_checked():
    layers = {layer_of(path) for path in MODULES}
    assert {"sandbox", "grading", "workflow", "export", "cli", "errors"} <= layers
    unruled = layers - set(FORBIDDEN) - {"cli", "__init__"}
    assert not unruled, f"new top-level modules need a rule in FORBIDDEN: {sorted(unruled)}"


def test_no_module_imports_a_higher_layer():
    bad = [line for path in MODULES for line in violations(path)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("source, name", [
    ("from autograder.cli import UsageError\n", "grading/x.py"),
    ("from autograder import cli\n", "grading/x.py"),
    ("def f():\n    from ..workflow.report import write_class_report\n", "grading/x.py"),
    ("import autograder.grading.api\n", "sandbox/x.py"),
    ("from .. import cli\n", "export/x.py"),
])
def test_the_check_sees_every_way_of_importing(tmp_path, monkeypatch, source, name):
    """The checker itself: each spelling of a forbidden import is caught (absolute, relative, lazy)."""
    fake = tmp_path / "autograder"
    (fake / name).parent.mkdir(parents=True)
    (fake / name).write_text(source, encoding="utf-8")
    monkeypatch.setitem(globals(), "PACKAGE", fake)  # this module's own globals, however pytest imported it
    monkeypatch.setitem(globals(), "REPO_ROOT", tmp_path)
    assert violations(fake / name)
