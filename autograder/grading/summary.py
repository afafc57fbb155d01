"""The human-readable summary of a report: one rich table (part, score, first failure).

With ``details=True`` (``autograder check``) every failing test's full message follows. Every
string of a report came through the student's code: it is printed as text, never as rich markup
(``escape``; a ``[/]`` in a message would otherwise stop the command). Example::

    print_summary(report, details=False)
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from autograder.i18n import _

from autograder.grading.report import Report


def print_summary(report: Report | dict, *, details: bool, console: Console | None = None) -> None:
    """``report``: a :class:`Report`, or its JSON form (checked as it is read)."""
    report = report if isinstance(report, Report) else Report.from_json(report)
    console = console or Console(highlight=False)
    table = Table(title=escape(f"{report.assignment}: {report.score:g} / {report.max_score:g}"))
    table.add_column(_("part"))
    table.add_column(_("score"), justify="right")
    table.add_column(_("failures"))
    for name, part in report.parts.items():
        failed = part.failed()
        summary = _("{failed} of {total} fail: {gist}", failed=len(failed), total=len(part.tests),
                    gist=_gist(failed[0].message)) if failed else "—"
        # What a report says comes from the student's code (messages, notes, flags): never rich markup.
        table.add_row(escape(name), f"{part.score:g} / {part.max_score:g}", escape(summary))
    console.print(table)
    total_s = report.timings.get("total_s") or 0.0
    console.print(_("status: {status}  ·  sandbox: {sandbox}  ·  device: {device}  ·  seed: {seed}  ·  {seconds:.1f} s",
                    status=report.status, sandbox=report.sandbox, device=report.device, seed=report.seed,
                    seconds=total_s), markup=False)
    if report.load_error:
        console.print(_("[bold red]The submission could not be loaded:[/] {error}", error=escape(report.load_error)))
    for flag in report.flags:
        console.print(_("[yellow]warning[/] ({kind}, {part}): {message}", kind=flag.kind, part=escape(str(flag.part)),
                        message=escape(flag.message)))
    for note in report.notes:
        console.print(_("note: {note}", note=note), markup=False)
    if details:
        for name, test in report.failed_tests():
            console.rule(escape(_("{part} · {test} (0 / {points:.4g} points)", part=name, test=test.name,
                                  points=test.max_points)))
            console.print(test.message, markup=False)


def _gist(message: str, width: int = 100) -> str:
    """One line of a failure message for the table: its hint when it has one."""
    lines = [line for line in message.splitlines() if line.strip()]
    hint, given = _("Hint: {hint}", hint=""), _("Input: {input}\n", input="").strip()
    hints = [line.removeprefix(hint) for line in lines if line.startswith(hint.strip())]
    chosen = hints[0] if hints else next((l for l in lines if not l.startswith(given)), "")
    return chosen if len(chosen) <= width else chosen[:width - 1] + "…"
