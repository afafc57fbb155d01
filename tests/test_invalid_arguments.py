"""The statement is the test: every invalid call a suite tries is listed in the part's docstring
(the one source of the notebook) with the exception it must raise, and nothing else is asked.

One table (``autograder.strategies.invalid_cases``) feeds the hidden suite, the public suite and
this check; here the docstrings are parsed and compared with it, the suites' invalid-argument
tests are read (AST) to make sure they use that table and its exception, torch's own functions
are checked to raise exactly that exception, and ``check_raises`` is checked to accept exactly
what the docstring says (the type listed; never NotImplementedError). In-process, no grading.
"""
from __future__ import annotations

import ast
import re

import pytest

from autograder import strategies as st
from autograder.config import REPO_ROOT
from autograder.grading.failures import GradingFailure, StudentRaised
from autograder.grading.harness import ANY_EXCEPTION, check_raises
from autograder.i18n import _

SOLUTIONS = {"conv2d": "convolutions", "max_pool2d": "convolutions", "avg_pool2d": "convolutions",
             "conv_transpose2d": "convolutions", "center_crop": "segmentation"}
SUITES = [REPO_ROOT / "tests" / "hidden" / f"test_{name}.py" for name in ("convolutions", "segmentation")] + [
    REPO_ROOT / "autograder" / "public" / "suites" / f"test_{name}.py" for name in ("convolutions", "segmentation")]
_ITEM = re.compile(r"^\s*-\s+(?P<why>.+?):\s+(?:``(?P<type>\w+)``|(?P<any>cualquier excepción salvo ``NotImplementedError``))\s*$")


def docstring_rules(part: str) -> set[tuple[str, str]]:
    """{(why, exception)} listed under "Argumentos inválidos" in the part's docstring."""
    tree = ast.parse((REPO_ROOT / "solutions" / f"{SOLUTIONS[part]}.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part)
    lines = ast.get_docstring(node).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Argumentos inválidos"))
    rules = set()
    for line in lines[start + 1:]:
        if not line.strip():
            break
        match = _ITEM.match(line)
        assert match, f"{part}: a line of 'Argumentos inválidos' that is not '- why: ``Exception``': {line!r}"
        rules.add((match["why"], match["type"] or ANY_EXCEPTION))
    return rules


@pytest.mark.parametrize("part", st.INVALID_ARGUMENT_PARTS)
def test_docstring_lists_exactly_the_invalid_cases_tried(part):
    tried = {(_(case.why), case.raises) for case in st.invalid_cases(part)}
    assert docstring_rules(part) == tried


@pytest.mark.parametrize("part", st.INVALID_ARGUMENT_PARTS)
def test_reference_raises_exactly_the_listed_exception(part):
    import importlib

    function = getattr(importlib.import_module(f"solutions.{SOLUTIONS[part]}"), part)
    for case in st.invalid_cases(part):
        with pytest.raises(Exception) as raised:
            function(*case.args(), **case.kwargs())
        assert type(raised.value).__name__ == case.raises, case.describe()


def _invalid_argument_tests(path):
    """(part, test function node) of every @part(..., kind="invalid_arguments") test in a suite."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "part"
                    and any(k.arg == "kind" and getattr(k.value, "value", None) == "invalid_arguments"
                            for k in decorator.keywords)):
                yield decorator.args[0].value, node


@pytest.mark.parametrize("path", SUITES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_suite_tries_the_table_and_asks_its_exception(path):
    module = ast.parse(path.read_text(encoding="utf-8"))
    found = {}
    for part, node in _invalid_argument_tests(path):
        source = ast.unparse(node)
        helpers = [n for n in module.body if isinstance(n, ast.FunctionDef) and n.name in source and n is not node]
        text = source + "".join(ast.unparse(h) for h in helpers)
        assert "invalid_cases(" in text, f"{node.name} tries calls outside strategies.invalid_cases"
        assert "raises=case.raises" in text, f"{node.name} does not ask for the listed exception"
        assert text.count("check_raises(") >= 1
        found[part] = node.name
    expected = {p for p in st.INVALID_ARGUMENT_PARTS if SOLUTIONS[p] in path.name}
    assert set(found) == expected, f"{path}: invalid-argument tests for {sorted(found)}, expected {sorted(expected)}"


class _Stub:
    """A student whose function raises ``exc_type`` (or returns, when None)."""

    def __init__(self, exc_type):
        self.exc_type = exc_type

    def raised(self, name, *args, **kwargs):
        return self.exc_type


@pytest.mark.parametrize("raised, listed, accepted", [
    ("RuntimeError", "RuntimeError", True),
    ("ValueError", "RuntimeError", False),          # the docstring says RuntimeError: another type fails
    ("NotImplementedError", "RuntimeError", False),
    ("NotImplementedError", ANY_EXCEPTION, False),  # the untouched stub never counts
    ("KeyError", ANY_EXCEPTION, True),
    (None, "RuntimeError", False),                  # returned a result
])
def test_check_raises_accepts_exactly_what_the_docstring_says(raised, listed, accepted):
    if accepted:
        check_raises(_Stub(raised), "conv2d", why="stride no positivo", raises=listed)
        return
    with pytest.raises(GradingFailure) as failure:
        check_raises(_Stub(raised), "conv2d", why="stride no positivo", raises=listed)
    assert not isinstance(failure.value, StudentRaised)
    if listed != ANY_EXCEPTION and raised not in (None, "NotImplementedError"):
        assert f"raise {listed}(" in str(failure.value)  # the hint names the listed type


def test_a_docstring_faithful_answer_validates_only_the_listed_cases():
    """What a student who reads only the docstring writes: every listed case raises the listed
    type, nothing else is validated, and the values are the reference's (tests/test_quality_gate_*.py
    grades it for real: tests/submissions/convolutions/alternative/conv2d_docstring_faithful.py)."""
    path = REPO_ROOT / "tests" / "submissions" / "convolutions" / "alternative" / "conv2d_docstring_faithful.py"
    assert path.exists()
    import math

    import torch
    import torch.nn.functional as F

    namespace = {"__name__": "faithful", "torch": torch, "F": F, "math": math, "nn": torch.nn}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # our own bank entry
    namespace_function = namespace["conv2d"]
    for case in st.invalid_cases("conv2d"):
        with pytest.raises(Exception) as raised:
            namespace_function(*case.args(), **case.kwargs())
        assert type(raised.value).__name__ == case.raises
