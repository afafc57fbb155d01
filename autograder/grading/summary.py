"""The human-readable summary of a report: one rich table (part, score, first failure).

With ``details=True`` (``autograder check``) every failing test's full message follows. Example::

    print_summary(report, details=False)
"""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_summary(report: dict, *, details: bool, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    table = Table(title=f"{report['assignment']}: {report['score']:g} / {report['max_score']:g}")
    table.add_column("parte")
    table.add_column("puntaje", justify="right")
    table.add_column("fallas")
    for name, part in report["parts"].items():
        failed = [t for t in part["tests"] if not t["passed"]]
        first = failed[0]["message"].splitlines()[-1][:90] if failed and failed[0]["message"] else ""
        summary = f"{len(failed)}/{len(part['tests'])}: {first}" if failed else "—"
        table.add_row(name, f"{part['score']:g} / {part['max_score']:g}", summary)
    console.print(table)
    console.print(f"estado: {report['status']}  ·  sandbox: {report['sandbox']}  ·  dispositivo: {report['device']}"
                  f"  ·  semilla: {report['seed']}  ·  {report['timings']['total_s']:.1f} s")
    if report.get("load_error"):
        console.print(f"[bold red]No se pudo cargar el envío:[/] {report['load_error']}")
    for flag in report["flags"]:
        console.print(f"[yellow]aviso[/] ({flag['kind']}, {flag['part']}): {flag['message']}")
    for note in report["notes"]:
        console.print(f"nota: {note}")
    if details:
        for name, part in report["parts"].items():
            for test in part["tests"]:
                if not test["passed"]:
                    console.rule(f"{name} · {test['name']}")
                    console.print(test["message"], markup=False)
