"""``autograder report ASSIGNMENT``: the class report (HTML with plots) and a CSV of scores.

The page: score histograms per part and overall (matplotlib, embedded as a base64 PNG, so the
page is one self-contained file); the failure rate of every test, most failed first (the
mistakes the class makes most); the students whose submission crashed, timed out or was flagged
(torch's own op, the static scan, a timestamp.txt that disagrees with collect's receipt, files
collect refused) and those whose result the grader could not record. The CSV: one row per student
on the gradebook's roster or with a report, one column per part, then total, late penalty, final
score and status; every text cell is neutralised for spreadsheets (:func:`spreadsheet_safe`). Example::

    write_class_report(course, "convolutions")
    # '.../reports/convolutions/index.html y .../reports/convolutions/convolutions.csv'
"""
from __future__ import annotations

import base64
import csv
import io
from collections import defaultdict
from pathlib import Path


from autograder.config import Course
from autograder.workflow.feedback import test_label
from autograder.workflow.grade_class import read_record_errors, read_reports
from autograder.workflow.nbgrader_setup import open_gradebook

from autograder.workflow.html import TEMPLATES as _TEMPLATES

#: Status of a student on the roster who never submitted.
NOT_SUBMITTED = "sin_entrega"

#: Status of a student whose result the grader could not record (gradebook or report write).
RECORD_ERROR = "record_error"

#: How the report names each status that is a problem.
PROBLEM_KINDS = {"load_error": "no se pudo cargar", "timeout": "tiempo agotado", "error": "el calificador falló",
                 RECORD_ERROR: "el calificador no pudo registrar el resultado"}

#: A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: How the report names each kind of flag in a report (other kinds are shown as they come).
FLAG_KINDS = {
    "banned_op": "usa la operación de torch",
    "static_scan": "marcado para revisión",
    "timeout": "tiempo agotado en una llamada",
    "crash": "el proceso terminó",
    "timestamp_mismatch": "timestamp.txt no coincide con la recepción",
    "timestamp_unverified": "hora de entrega sin recibo de collect",
    "refused_file": "collect rechazó archivos",
}


def class_report_dir(course: Course, assignment: str) -> Path:
    return course.course_dir / "reports" / assignment


def write_class_report(course: Course, name: str) -> str:
    """Write ``reports/<name>/index.html`` and ``reports/<name>/<name>.csv``; return both paths."""
    assignment = course.assignment(name)
    parts = list(assignment.parts)
    reports = read_reports(course, name)
    unrecorded = read_record_errors(course, name)
    rows = score_rows(parts, reports, roster(course), unrecorded)
    folder = class_report_dir(course, name)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"{name}.csv"
    csv_path.write_text(rows_to_csv(parts, rows), encoding="utf-8")

    finals = [r["final"] for r in rows if r["status"] != NOT_SUBMITTED]
    html = _TEMPLATES.get_template("class_report.html.j2").render(
        title=assignment.title or name,
        parts=parts,
        rows=rows,
        graded=sum(1 for r in reports.values() if r.get("status") == "graded"),
        mean_final=sum(finals) / len(finals) if finals else 0.0,
        max_score=assignment.max_score,
        csv_name=csv_path.name,
        histogram_png=histograms_png(assignment.parts, reports),
        failure_rates=failure_rates(reports),
        problems=problem_submissions(reports, unrecorded),
    )
    html_path = folder / "index.html"
    html_path.write_text(html, encoding="utf-8")
    return f"{html_path} y {csv_path}"


def roster(course: Course) -> list[str]:
    """The students nbgrader's gradebook knows (added at release and at collect)."""
    with open_gradebook(course) as gradebook:
        return [student.id for student in gradebook.students]


def score_rows(parts: list[str], reports: dict[str, dict], students: list[str],
               unrecorded: dict[str, dict] | None = None) -> list[dict]:
    """One row per student: each part's score, total, late penalty, final score and status.

    A student whose result could not be recorded (``unrecorded``, or ``record_error`` in the
    report) has status ``record_error``: the grader's problem, never shown as not submitted.
    """
    unrecorded = unrecorded or {}
    rows = []
    for student in sorted(set(students) | set(reports) | set(unrecorded)):
        report = reports.get(student)
        if report is None:
            row = {part: 0.0 for part in parts}
            status = RECORD_ERROR if student in unrecorded else NOT_SUBMITTED
            total = float(unrecorded.get(student, {}).get("score") or 0.0)
            final = float(unrecorded.get(student, {}).get("final_score") or total)
            row.update(student=student, total=total, late_penalty=0.0, final=final, status=status)
        else:
            row = {part: float(report.get("parts", {}).get(part, {}).get("score", 0.0)) for part in parts}
            total = float(report.get("score", 0.0))
            penalty = float((report.get("late") or {}).get("penalty", 0.0))
            status = RECORD_ERROR if report.get("record_error") or student in unrecorded else report.get("status", "")
            row.update(student=student, total=total, late_penalty=penalty,
                       final=float(report.get("final_score", max(0.0, total - penalty))), status=status)
        rows.append(row)
    return rows


def rows_to_csv(parts: list[str], rows: list[dict]) -> str:
    """The class CSV: numbers as numbers, every text cell quoted and neutralised for spreadsheets."""
    buffer = io.StringIO()
    fields = ["student", *parts, "total", "late_penalty", "final", "status"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow({name: spreadsheet_safe(name) for name in fields})
    for row in rows:
        writer.writerow({k: spreadsheet_safe(v) if isinstance(v, str) else v for k, v in row.items()})
    return buffer.getvalue()


def spreadsheet_safe(cell: str) -> str:
    """OWASP's defence against CSV injection: a cell a spreadsheet would read as a formula gets a
    leading single quote (the csv writer quotes it and escapes its own quotes), e.g.
    ``=HYPERLINK("http://x")`` -> ``'=HYPERLINK("http://x")``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def failure_rates(reports: dict[str, dict]) -> list[dict]:
    """Each test's share of failures among the submissions the grader ran, most failed first."""
    failed, total = defaultdict(int), defaultdict(int)
    for report in reports.values():
        if report.get("status") != "graded":
            continue  # a crash fails every test; it says nothing about which mistake is common
        for part, result in report.get("parts", {}).items():
            for test in result.get("tests", []):
                key = (part, f"{test_label(test)} ({test.get('name', '')})")
                total[key] += 1
                failed[key] += 0 if test.get("passed") else 1
    rates = [
        {"part": part, "test": test, "failed": failed[(part, test)], "total": n, "rate": failed[(part, test)] / n}
        for (part, test), n in total.items()
    ]
    return sorted(rates, key=lambda r: (-r["rate"], r["part"], r["test"]))


def problem_submissions(reports: dict[str, dict], unrecorded: dict[str, dict] | None = None) -> list[dict]:
    """Students whose submission crashed, timed out or was flagged, with why (one row per kind of
    flag), and those whose result the grader could not record."""
    problems = []
    unrecorded = unrecorded or {}
    for student in sorted(set(unrecorded) - set(reports)):
        problems.append({"student": student, "kind": PROBLEM_KINDS[RECORD_ERROR], "detail": unrecorded[student].get("error", "")})
    for student, report in sorted(reports.items()):
        status = report.get("status")
        if status in PROBLEM_KINDS:
            problems.append({"student": student, "kind": PROBLEM_KINDS[status], "detail": report.get("load_error") or ""})
        error = report.get("record_error") or unrecorded.get(student, {}).get("error")
        if error:
            problems.append({"student": student, "kind": PROBLEM_KINDS[RECORD_ERROR], "detail": error})
        by_kind: dict[str, list[dict]] = defaultdict(list)
        for flag in report.get("flags", []):
            by_kind[flag.get("kind", "")].append(flag)
        for kind, flags in by_kind.items():
            first = flags[0]
            more = f" (y {len(flags) - 1} más)" if len(flags) > 1 else ""
            problems.append({
                "student": student,
                "kind": FLAG_KINDS.get(kind, kind),
                "detail": f"{first.get('part') or 'entrega'}: {first.get('message', '')}{more}",
            })
    return problems


def histograms_png(parts: dict[str, float], reports: dict[str, dict]) -> str:
    """One histogram per part and one of the final score, as a base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server; set before pyplot is imported
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = [(part, points, [r.get("parts", {}).get(part, {}).get("score", 0.0) for r in reports.values()])
              for part, points in parts.items()]
    panels.append(("total (final)", float(sum(parts.values())),
                   [r.get("final_score", r.get("score", 0.0)) for r in reports.values()]))
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.8 * rows), squeeze=False)
    for axis, (title, points, scores) in zip(axes.flat, panels):
        axis.hist(scores, bins=10, range=(0, points or 1), color="#4a78b5", edgecolor="white")
        axis.set_title(f"{title} (máx. {points:g})")
        axis.set_xlabel("puntaje")
        axis.set_ylabel("estudiantes")
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # students are counted whole
    for axis in list(axes.flat)[len(panels):]:
        axis.axis("off")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
