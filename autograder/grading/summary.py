"""The human-readable summary of a report: one rich table (part, score, first failure).

With ``details=True`` (``autograder check``) every failing test's full message follows. Example::

    print_summary(report, details=False)
"""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from autograder.i18n import _


def print_summary(report: dict, *, details: bool, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    table = Table(title=f"{report['assignment']}: {report['score']:g} / {report['max_score']:g}")
    table.add_column(_("part"))
    table.add_column(_("score"), justify="right")
    table.add_column(_("failures"))
    for name, part in report["parts"].items():
        failed = [t for t in part["tests"] if not t["passed"]]
        summary = _("{failed} of {total} fail: {gist}", failed=len(failed), total=len(part["tests"]),
                    gist=_gist(failed[0]["message"])) if failed else "—"
        table.add_row(name, f"{part['score']:g} / {part['max_score']:g}", summary)
    console.print(table)
    console.print(_("status: {status}  ·  sandbox: {sandbox}  ·  device: {device}  ·  seed: {seed}  ·  {seconds:.1f} s",
                    status=report["status"], sandbox=report["sandbox"], device=report["device"], seed=report["seed"],
                    seconds=report["timings"]["total_s"]))
    if report.get("load_error"):
        console.print(_("[bold red]The submission could not be loaded:[/] {error}", error=report["load_error"]))
    for flag in report["flags"]:
        console.print(_("[yellow]warning[/] ({kind}, {part}): {message}", kind=flag["kind"], part=flag["part"],
                        message=flag["message"]))
    for note in report["notes"]:
        console.print(_("note: {note}", note=note))
    if details:
        for name, part in report["parts"].items():
            for test in part["tests"]:
                if not test["passed"]:
                    console.rule(_("{part} · {test} (0 / {points:.4g} points)", part=name, test=test["name"],
                                   points=test.get("max_points", 0)))
                    console.print(test["message"], markup=False)


def _gist(message: str, width: int = 100) -> str:
    """One line of a failure message for the table: its hint when it has one."""
    lines = [line for line in message.splitlines() if line.strip()]
    hint, given = _("Hint: {hint}", hint=""), _("Input: {input}\n", input="").strip()
    hints = [line.removeprefix(hint) for line in lines if line.startswith(hint.strip())]
    chosen = hints[0] if hints else next((l for l in lines if not l.startswith(given)), "")
    return chosen if len(chosen) <= width else chosen[:width - 1] + "…"
