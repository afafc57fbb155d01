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

from autograder.grading.report import Report


def print_summary(report: Report | dict, *, details: bool, console: Console | None = None) -> None:
    """``report``: a :class:`Report`, or its JSON form (checked as it is read)."""
    report = report if isinstance(report, Report) else Report.from_json(report)
    console = console or Console(highlight=False)
    table = Table(title=f"{report.assignment}: {report.score:g} / {report.max_score:g}")
    table.add_column("parte")
    table.add_column("puntaje", justify="right")
    table.add_column("fallas")
    for name, part in report.parts.items():
        failed = part.failed()
        summary = f"fallan {len(failed)} de {len(part.tests)}: {_gist(failed[0].message)}" if failed else "—"
        table.add_row(escape(name), f"{part.score:g} / {part.max_score:g}", escape(summary))
    console.print(table)
    total_s = report.timings.get("total_s") or 0.0
    console.print(f"estado: {report.status}  ·  sandbox: {report.sandbox}  ·  dispositivo: {report.device}"
                  f"  ·  semilla: {report.seed}  ·  {total_s:.1f} s")
    if report.load_error:
        console.print(f"[bold red]No se pudo cargar el envío:[/] {escape(report.load_error)}")
    for flag in report.flags:
        console.print(f"[yellow]aviso[/] ({flag.kind}, {escape(str(flag.part))}): {escape(flag.message)}")
    for note in report.notes:
        console.print(f"nota: {note}", markup=False)
    if details:
        for name, test in report.failed_tests():
            console.rule(escape(f"{name} · {test.name} (0 / {test.max_points:.4g} puntos)"))
            console.print(test.message, markup=False)


def _gist(message: str, width: int = 100) -> str:
    """One line of a failure message for the table: its hint when it has one."""
    lines = [line for line in message.splitlines() if line.strip()]
    hints = [line.removeprefix("Pista: ") for line in lines if line.startswith("Pista:")]
    chosen = hints[0] if hints else next((l for l in lines if not l.startswith("Entrada:")), "")
    return chosen if len(chosen) <= width else chosen[:width - 1] + "…"
