"""The report ``check(part)`` prints (in the course's language) in a notebook: one ✔/✘ line per public check.

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
from autograder.i18n import _

from autograder.grading.report import Report


def test_title(name: str, assignment: str | None = None) -> str:
    """The title of a public check in the course's language: its entry in the public suite's
    ``TITLES`` (student catalog ids; the test's docstring says the same for developers).

    Falls back to the name made readable: ``test_conv2d_matches_functional`` -> ``conv2d matches functional``.
    """
    name = name.split("[")[0]
    if assignment:
        try:
            with warnings.catch_warnings():  # e.g. pytest's "unknown mark" outside a grading run
                warnings.simplefilter("ignore")
                suite = importlib.import_module(f"autograder.public.suites.test_{assignment}")
            title = getattr(suite, "TITLES", {}).get(name)
        except Exception:  # a title is a nicety: never let it break the report
            title = None
        if isinstance(title, str) and title:
            return _(title)
    return name.removeprefix("test_").replace("_", " ")


def format_part_report(report: Report, part: str) -> str:
    """The lines ``check(part)`` prints for ``part`` of a public-profile grading ``report``."""
    if report.load_error:
        return (_("✘ {part}: your code could not be run.\n"
                  "    {error}\n"
                  "    Hint: run the cells with your definitions again and fix the error.", part=part,
                  error=report.load_error))
    entry = report.parts.get(part)
    if entry is None or not entry.tests:
        return _("? {part}: there are no public checks for this part.", part=part)
    tests = entry.tests
    notes = [_("  note: {note}", note=note) for note in entry.notes]
    if entry.not_implemented:  # scoring decided: the stub still raises NotImplementedError
        return "\n".join([_("✘ {part}: not implemented yet (your function still raises NotImplementedError).",
                             part=part)] + notes)
    passed = sum(t.passed for t in tests)
    lines = [_("{mark} {part}: {passed} of {total} public checks pass.", mark="✔" if passed == len(tests) else "✘",
               part=part, passed=passed, total=len(tests))]
    for test in tests:
        points = f" [{_points(test.points)}/{_points(test.max_points)}]"
        lines.append(f"  {'✔' if test.passed else '✘'} {test_title(test.name, report.assignment)}{points}")
        if not test.passed and test.message:
            lines.append(textwrap.indent(test.message.rstrip(), "      "))
    for flag in report.flags:
        if flag.part == part:
            lines.append(f"  ⚠ {flag.message}")
    if len(entry.cells) > 1:
        lines.append(_("  (checked with what these define: {cells})", cells=", ".join(entry.cells)))
    lines += notes
    lines.append(_("  [points]: what each kind of test is worth in the part's {points} points; "
                   "the score comes from the hidden tests.", points=_points(entry.max_score)))
    if passed == len(tests):
        lines.append(_("  (The hidden tests of the grade are more, and with other inputs.)"))
    return "\n".join(lines)


def _points(value) -> str:
    return f"{value or 0:.4g}"
