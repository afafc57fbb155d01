"""The Spanish report ``check(part)`` prints in a notebook: one ✔/✘ line per public check.

Each check shows the points it is worth (the grade's weights: how much that kind of test counts
in the part) and each failed one is followed by its message (the input, expected vs got, a
hint), indented. The notes about where the part was taken from (a dropped debug line, a name
only an example cell defines) follow. A part whose stub still raises NotImplementedError gets
one line instead of a list of failures.
Example::

    >>> from autograder.grading.report import PartResult, TestResult
    >>> report = Report(assignment="convolutions", score=0.0, max_score=30.0, parts={"conv2d": PartResult(
    ...     score=0.0, max_score=30.0, not_implemented=True, tests=[TestResult(
    ...         name="test_conv2d_matches_functional", passed=False,
    ...         message="Tu código lanzó NotImplementedError: ")])})
    >>> print(format_part_report(report, "conv2d"))
    ✘ conv2d: no implementado todavía (tu función aún lanza NotImplementedError).
"""
from __future__ import annotations

import importlib
import textwrap
import warnings

from autograder.grading.report import Report


def test_title(name: str, assignment: str | None = None) -> str:
    """The Spanish title of a public check: the first line of its docstring in the public suite.

    Falls back to the name made readable: ``test_conv2d_matches_functional`` -> ``conv2d matches functional``.
    """
    name = name.split("[")[0]
    if assignment:
        try:
            with warnings.catch_warnings():  # e.g. pytest's "unknown mark" outside a grading run
                warnings.simplefilter("ignore")
                suite = importlib.import_module(f"autograder.public.suites.test_{assignment}")
            doc = getattr(getattr(suite, name, None), "__doc__", None)
        except Exception:  # a title is a nicety: never let it break the report
            doc = None
        if doc and doc.strip():
            return doc.strip().splitlines()[0].rstrip(".")
    return name.removeprefix("test_").replace("_", " ")


def format_part_report(report: Report, part: str) -> str:
    """The lines ``check(part)`` prints for ``part`` of a public-profile grading ``report``."""
    if report.load_error:
        return (f"✘ {part}: tu código no se pudo ejecutar.\n"
                f"    {report.load_error}\n"
                "    Pista: ejecuta de nuevo las celdas con tus definiciones y corrige el error.")
    entry = report.parts.get(part)
    if entry is None or not entry.tests:
        return f"? {part}: no hay comprobaciones públicas para esta parte."
    tests = entry.tests
    notes = [f"  nota: {note}" for note in entry.notes]
    if entry.not_implemented:  # scoring decided: the stub still raises NotImplementedError
        return "\n".join([f"✘ {part}: no implementado todavía (tu función aún lanza NotImplementedError)."] + notes)
    passed = sum(t.passed for t in tests)
    lines = [f"{'✔' if passed == len(tests) else '✘'} {part}: {passed} de {len(tests)} comprobaciones públicas pasan."]
    for test in tests:
        points = f" [{_points(test.points)}/{_points(test.max_points)}]"
        lines.append(f"  {'✔' if test.passed else '✘'} {test_title(test.name, report.assignment)}{points}")
        if not test.passed and test.message:
            lines.append(textwrap.indent(test.message.rstrip(), "      "))
    for flag in report.flags:
        if flag.part == part:
            lines.append(f"  ⚠ {flag.message}")
    if len(entry.cells) > 1:
        lines.append(f"  (se comprobó con lo que definen: {', '.join(entry.cells)})")
    lines += notes
    lines.append(f"  [puntos]: lo que vale cada tipo de prueba en los {_points(entry.max_score)} puntos de "
                 "la parte; la nota sale de las pruebas ocultas.")
    if passed == len(tests):
        lines.append("  (Las pruebas ocultas de la calificación son más y con otras entradas.)")
    return "\n".join(lines)


def _points(value) -> str:
    return f"{value or 0:.4g}"
