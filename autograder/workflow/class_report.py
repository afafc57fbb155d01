"""``autograder report ASSIGNMENT``: the class report, an instructor's worklist (HTML) and a CSV.

The page, top to bottom:

1. one summary whose every number says what it counts ("9 estudiantes en la lista; 7 entregaron;
   promedio final 47,2 / 90 sobre las 7 entregas");
2. "Requieren atención": who never submitted, whose notebook did not load, whose code timed out
   or crashed the grader's worker, who was flagged for review (torch's own op, tampering, the
   static scan, a timestamp.txt that disagrees with collect's receipt, files collect refused),
   whose final score is below ``report.attention_below`` of the maximum (course.yaml), who
   handed in late, and whose result the grader could not record;
3. one table of every student on the roster (nbgrader's students, with their names, plus everyone
   seen in submissions), sortable by any column in the page itself (a small inline script: no
   network), with each part's score, total, late days and penalty, final score, status in
   the course's language, flags and links to the feedback page and the submitted notebook;
4. score histograms per part and overall (matplotlib, embedded as a base64 PNG);
5. the failure rate of every test, most failed first, with its most common failing input;
6. similar submissions (:mod:`autograder.workflow.similarity`): pairs and clusters whose own code
   is nearly identical, each linking both submissions: a lead to look at, never a grade.

The CSV: one row per student of the table, one column per part, then total, late penalty,
final score and status (codes: ``graded``, ``load_error``, ``timeout``, ``error``,
``sin_entrega``, ``record_error``), then the same status in the course's language, late days, flags and name;
every text cell is neutralised for spreadsheets (:func:`spreadsheet_safe`). Every string of a
report is the student's or comes through the student's code: the page escapes all of it.
Example::

    write_class_report(course, "convolutions")
    # '.../reports/convolutions/index.html y .../reports/convolutions/convolutions.csv'
"""
from __future__ import annotations

import base64
import csv
import io
import json
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote


from autograder.config import REPO_ROOT, Course, use_course_language
from autograder.grading.report import Report
from autograder.i18n import N_i, _i, current_language
from autograder.workflow.feedback_pages import test_label
from autograder.workflow.grade_class import read_record_errors, read_reports, submission_digest
from autograder.workflow.layout import (class_report_dir, feedback_page, release_dir, similarity_cache_path,
                                        submission_dir)
from autograder.workflow.nbgrader_setup import open_gradebook
from autograder.workflow import similarity

from autograder.workflow.html import TEMPLATES as _TEMPLATES
#: Status of a student on the roster who never submitted.
NOT_SUBMITTED = "sin_entrega"

#: Status of a student whose result the grader could not record (gradebook or report write).
RECORD_ERROR = "record_error"

#: How the report names each status that is a problem.
PROBLEM_KINDS = {"load_error": N_i("could not be loaded"), "timeout": N_i("timed out"), "error": N_i("the grader failed"),
                 RECORD_ERROR: N_i("the grader could not record the result")}

#: A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Each status as the page (and the CSV's ``estado``) says it, in the course's language.
STATUS_LABELS = {
    "graded": N_i("graded"),
    "load_error": N_i("load error"),
    "timeout": N_i("timed out"),
    "error": N_i("grader failure"),
    NOT_SUBMITTED: N_i("not submitted"),
    RECORD_ERROR: N_i("not recorded (grader error)"),
}

#: The same, after a count ("5 calificadas"; a label that is a noun phrase stays as it is).
STATUS_COUNTED = {"graded": N_i("were graded"), "load_error": N_i("with a load error"),
                  "timeout": N_i("that timed out"), "error": N_i("with a grader failure"),
                  RECORD_ERROR: N_i("not recorded")}

#: How the report names each kind of flag in a report (other kinds are shown as they come).
FLAG_KINDS = {
    "banned_op": N_i("uses torch's operation"),
    "tampering": N_i("tampered with torch's operations"),
    "static_scan": N_i("flagged for review"),
    "timeout": N_i("timed out in a call"),
    "crash": N_i("the process ended"),
    "timestamp_mismatch": N_i("timestamp.txt does not match the receipt"),
    "timestamp_unverified": N_i("submission time with no collect receipt"),
    "refused_file": N_i("collect refused files"),
}


def label(table: dict[str, str], key: str) -> str:
    """``key``'s label in one of the tables above, in the current language; an unknown key as it is."""
    return _i(table[key]) if key in table else str(key)


#: Flags that mean the code ran out of time or killed its worker (their own attention group).
RUNAWAY_FLAGS = frozenset({"timeout", "crash"})

#: Similar pairs listed on the page, most similar first (the clusters still name everyone).
SHOWN_PAIRS = 100

#: What a failure message's first line starts with when it names the failing input.
INPUT_PREFIX = "Entrada: "


def write_class_report(course: Course, name: str) -> str:
    """Write ``reports/<name>/index.html`` and ``reports/<name>/<name>.csv``; return both paths."""
    started = time.monotonic()
    use_course_language(course)
    assignment = course.assignment(name)
    parts = list(assignment.parts)
    reports = read_reports(course, name)
    unrecorded = read_record_errors(course, name)
    rows = score_rows(parts, reports, roster(course), unrecorded, names=roster_names(course))
    folder = class_report_dir(course, name)
    folder.mkdir(parents=True, exist_ok=True)
    add_links(course, name, rows, folder)
    csv_path = folder / f"{name}.csv"
    csv_path.write_text(rows_to_csv(parts, rows), encoding="utf-8")

    threshold = course.report.attention_below * assignment.max_score
    pairs, groups = similar_submissions(course, name, reports)
    by_student = {row["student"]: row for row in rows}
    html = _TEMPLATES.get_template("class_report.html.j2").render(
        language=current_language(),
        title=assignment.title or name,
        parts=parts,
        rows=rows,
        summary=summary_lines(rows, assignment.max_score),
        attention=attention_groups(rows, reports, unrecorded, threshold, assignment.max_score),
        max_score=assignment.max_score,
        csv_name=csv_path.name,
        histogram_png=histograms_png(assignment.parts, reports),
        failure_rates=failure_rates(reports),
        graded_count=sum(1 for r in reports.values() if r.status == "graded"),
        similar_pairs=[{"pair": p, "a": by_student.get(p.a, {}), "b": by_student.get(p.b, {})}
                       for p in pairs[:SHOWN_PAIRS]],
        hidden_pairs=max(0, len(pairs) - SHOWN_PAIRS),
        similar_clusters=[g for g in groups if len(g) > 2],
        similarity_threshold=course.report.similarity_threshold,
        compared=sum(1 for r in reports.values() if r.status != "load_error"),
    )
    html_path = folder / "index.html"
    html_path.write_text(html, encoding="utf-8")
    return _i("{html} and {csv} ({count} students, {seconds} s)", html=html_path, csv=csv_path, count=len(rows),
              seconds=format(time.monotonic() - started, ".1f"))


def roster(course: Course) -> list[str]:
    """The students nbgrader's gradebook knows (added at release and at collect)."""
    return list(roster_names(course))


def roster_names(course: Course) -> dict[str, str]:
    """Each student of the gradebook with the name it holds ("" when the roster gave none)."""
    with open_gradebook(course) as gradebook:
        return {student.id: " ".join(n for n in (student.first_name, student.last_name) if n)
                for student in gradebook.students}


def score_rows(parts: list[str], reports: dict[str, Report], students: list[str],
               unrecorded: dict[str, dict] | None = None, names: dict[str, str] | None = None) -> list[dict]:
    """One row per student: each part's score, total, late penalty, final score, status (its code
    and its Spanish label), late days, flags and name.

    A student whose result could not be recorded (``unrecorded``, or ``record_error`` in the
    report) has status ``record_error``: the grader's problem, never shown as not submitted.
    """
    unrecorded = unrecorded or {}
    names = names or {}
    rows = []
    for student in sorted(set(students) | set(reports) | set(unrecorded)):
        report = reports.get(student)
        if report is None:
            row = {part: 0.0 for part in parts}
            status = RECORD_ERROR if student in unrecorded else NOT_SUBMITTED
            total = float(unrecorded.get(student, {}).get("score") or 0.0)
            final = float(unrecorded.get(student, {}).get("final_score") or total)
            row.update(student=student, total=total, late_penalty=0.0, final=final, status=status,
                       late_days=0, flags=[])
        else:
            row = {part: report.part_score(part) for part in parts}
            late = report.late
            status = RECORD_ERROR if report.record_error or student in unrecorded else report.status
            row.update(student=student, total=report.score, late_penalty=late.penalty if late else 0.0,
                       final=report.final, status=status, late_days=late.days_late if late else 0,
                       flags=[label(FLAG_KINDS, k) for k in report.flag_kinds()])
        row["estado"] = label(STATUS_LABELS, row["status"])
        row["name"] = names.get(student, "")
        rows.append(row)
    return rows


def add_links(course: Course, assignment: str, rows: list[dict], folder: Path) -> None:
    """Each row's relative links (from the report's folder) to the student's feedback page and
    submitted notebook, where they exist; ids are URL-quoted (the page escapes them again)."""
    notebook = course.assignment(assignment).notebook
    for row in rows:
        row["feedback_href"] = row["submission_href"] = ""
        student = row["student"]
        if "/" in student or "\0" in student or student in ("", ".", ".."):
            continue  # not one folder name (a roster id): nothing of ours is there to link
        page = feedback_page(course, assignment, student)
        submitted = submission_dir(course, assignment, student) / notebook
        for key, target in (("feedback_href", page), ("submission_href", submitted)):
            try:
                relative = target.relative_to(course.course_dir) if target.is_file() else None
            except (ValueError, OSError):  # an id that is not one folder name: no link
                relative = None
            if relative is not None:
                up = "../" * len(folder.relative_to(course.course_dir).parts)
                row[key] = up + "/".join(quote(part, safe="") for part in relative.parts)


def summary_lines(rows: list[dict], max_score: float) -> list[str]:
    """The class in a few sentences, each number with what it counts."""
    listed = len(rows)
    missing = sum(1 for r in rows if r["status"] == NOT_SUBMITTED)
    handed = [r for r in rows if r["status"] != NOT_SUBMITTED]
    by_status = Counter(r["status"] for r in handed)
    lines = [_i("{listed} students on the roster; {handed} submitted and {missing} did not.", listed=listed,
                handed=len(handed), missing=missing)]
    if handed:
        detail = ", ".join(f"{n} {label(STATUS_COUNTED if status in STATUS_COUNTED else STATUS_LABELS, status)}"
                           for status, n in sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0])))
        lines.append(_i("Of the {handed} submissions: {detail}.", handed=len(handed), detail=detail))
        finals = sorted(r["final"] for r in handed)
        mean = sum(finals) / len(finals)
        middle = len(finals) // 2
        median = finals[middle] if len(finals) % 2 else (finals[middle - 1] + finals[middle]) / 2
        lines.append(_i("Mean final score {mean} / {max_score} and median {median}, over the {handed} submissions "
                        "(a submission that did not load counts 0).", mean=format(mean, ".1f"), max_score=format(max_score, "g"),
                        median=format(median, ".1f"), handed=len(handed)))
        if missing:
            everyone = sum(finals) / listed
            lines.append(_i("Over the {listed} students on the roster (not submitted = 0), the mean is {mean} / {max_score}.",
                            listed=listed, mean=format(everyone, ".1f"), max_score=format(max_score, "g")))
    return lines


@dataclass
class AttentionGroup:
    """One "needs attention" group: its title, what it means, and one entry per student."""

    key: str
    title: str
    meaning: str
    entries: list[dict] = field(default_factory=list)


def attention_groups(rows: list[dict], reports: dict[str, Report], unrecorded: dict[str, dict] | None,
                     threshold: float, max_score: float) -> list[AttentionGroup]:
    """The students the instructor should look at, by reason (a student may be in several)."""
    unrecorded = unrecorded or {}
    groups = {g.key: g for g in [
        AttentionGroup("missing", _i("Not submitted"), _i("on the course's roster, with no submission collected")),
        AttentionGroup("load_error", _i("Load error"), _i("the notebook could not be read or does not compile: 0 on everything")),
        AttentionGroup("runaway", _i("Timed out or process ended"),
                       _i("their code exceeded the time per call or made the grading process end")),
        AttentionGroup("flagged", _i("Flagged for review"),
                       _i("flags from grading or from collect; also flagged in nbgrader's gradebook")),
        AttentionGroup("low", _i("Final score below {threshold} / {max_score}", threshold=format(threshold, "g"),
                                 max_score=format(max_score, "g")),
                       _i("among the submissions, by report.attention_below in course.yaml")),
        AttentionGroup("late", _i("Late submissions"), _i("handed in after the due date")),
        AttentionGroup("record_error", _i("Not recorded"), _i("{problem}: run grade again (the score is the graded one)",
                                                               problem=label(PROBLEM_KINDS, RECORD_ERROR))),
    ]}
    for row in rows:
        student, report, status = row["student"], reports.get(row["student"]), row["status"]
        entry = {"student": student, "name": row["name"], "href": row.get("feedback_href", "")}
        if status == NOT_SUBMITTED:
            groups["missing"].entries.append(dict(entry, detail=""))
            continue
        if status == RECORD_ERROR or student in unrecorded:
            detail = (report.record_error if report else None) or unrecorded.get(student, {}).get("error", "")
            groups["record_error"].entries.append(dict(entry, detail=detail))
        if report is None:
            continue
        if report.status == "load_error":
            groups["load_error"].entries.append(dict(entry, detail=report.load_error or ""))
        runaway = [f for f in report.flags if f.kind in RUNAWAY_FLAGS]
        if report.status in ("timeout", "error") or runaway:
            detail = runaway[0].message if runaway else (report.load_error or "")
            more = " " + _i("(and {count} more)", count=len(runaway) - 1) if len(runaway) > 1 else ""
            groups["runaway"].entries.append(dict(entry, detail=detail + more))
        review = [f for f in report.flags if f.kind not in RUNAWAY_FLAGS]
        if review:
            kinds = list(dict.fromkeys(f.kind for f in review))
            first = review[0]
            more = " " + _i("(and {count} more)", count=len(review) - 1) if len(review) > 1 else ""
            detail = (f"{', '.join(label(FLAG_KINDS, k) for k in kinds)}. " + (first.part or _i("submission"))
                      + f": {first.message}{more}")
            groups["flagged"].entries.append(dict(entry, detail=detail))
        if report.status == "graded" and row["final"] < threshold:
            groups["low"].entries.append(dict(entry, detail=f"{row['final']:.4g} / {max_score:g}"))
        if row["late_days"] > 0:
            groups["late"].entries.append(dict(entry, detail=_i("{days} day(s), −{penalty} points", days=row["late_days"],
                                                                 penalty=format(row['late_penalty'], "g"))))
    return list(groups.values())


def similar_submissions(course: Course, assignment: str, reports: dict[str, Report]):
    """The similar pairs and their clusters among the submissions that loaded (module
    :mod:`autograder.workflow.similarity`), the released stub removed twice: the code cells a
    student left exactly as released are not extracted at all, and the fingerprints of the
    released notebook's code are removed from what is left.

    Extracting is what costs (tens of ms a notebook); each submission's fingerprints are kept in
    ``reports/<assignment>/.similarity.json`` under the hash of its files, so a report after a
    regrade of a few students extracts only theirs.
    """
    spec = course.assignment(assignment)
    limits = course.grading.submission_limits
    released = released_notebook(course, assignment)
    released_cells = set(_code_cells(released.read_bytes())) if released else set()
    cache_path = similarity_cache_path(course, assignment)
    cache = _read_cache(cache_path)
    fresh: dict[str, list[int]] = {}
    prints = {}
    for student, report in sorted(reports.items()):
        if report.status == "load_error":
            continue  # nothing was extracted
        folder = submission_dir(course, assignment, student)
        if not folder.is_dir():
            continue
        key = f"{similarity.METHOD}:{submission_digest(folder, limits)}"
        if key not in cache:
            cache[key] = sorted(own_fingerprints(folder, spec, limits, released_cells))
        fresh[key] = cache[key]
        if fresh[key]:
            prints[student] = frozenset(fresh[key])
    _write_cache(cache_path, fresh)
    stub = frozenset()
    if released is not None:
        from autograder.grading.submission import load_submission

        stub = similarity.fingerprint(load_submission(released, spec, limits).source)
    pairs = similarity.similar_pairs(prints, course.report.similarity_threshold, stub=stub)
    return pairs, similarity.clusters(pairs)


def released_notebook(course: Course, assignment: str) -> Path | None:
    """The notebook students started from: nbgrader's release folder, else the built one."""
    notebook = course.assignment(assignment).notebook
    for path in (release_dir(course, assignment) / notebook, REPO_ROOT / "assignments" / assignment / notebook):
        if path.is_file():
            return path
    return None


def own_fingerprints(folder: Path, spec, limits, released_cells: set[str]) -> frozenset[int]:
    """Fingerprints of what :mod:`autograder.grading.extraction` takes from the student's code
    cells that differ from the released ones (the notebook read as a student file: never
    through a link, within the course's limits); a submission that is not that notebook goes
    through ``load_submission`` whole."""
    from autograder.grading.extraction import CodeCell
    from autograder.grading.submission import load_submission, submission_from_cells
    from autograder.student_files import Refused, read_file

    try:
        data = read_file(folder, spec.notebook, limits)
        cells = [CodeCell(f"celda {i}", source) for i, source in enumerate(_code_cells(data), 1)
                 if source not in released_cells]
    except (Refused, OSError, ValueError):
        submission = load_submission(folder, spec, limits)
        return similarity.fingerprint(submission.source) if submission.error is None else frozenset()
    return similarity.fingerprint(submission_from_cells(cells, list(spec.parts)).source)


def _code_cells(data: bytes) -> list[str]:
    """The source of every code cell of a notebook's bytes (ValueError when it is not one)."""
    notebook = json.loads(data.decode("utf-8"))
    cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append(source if isinstance(source, str) else "".join(s for s in source if isinstance(s, str)))
    return sources


def _read_cache(path: Path) -> dict[str, list[int]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, list) and all(isinstance(i, int) for i in v)}


def _write_cache(path: Path, entries: dict[str, list[int]]) -> None:
    try:  # a cache: losing it costs time only
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def rows_to_csv(parts: list[str], rows: list[dict]) -> str:
    """The class CSV: numbers as numbers, every text cell quoted and neutralised for spreadsheets."""
    buffer = io.StringIO()
    fields = ["student", *parts, "total", "late_penalty", "final", "status", *CSV_EXTRA]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC,
                            extrasaction="ignore")
    writer.writerow({name: spreadsheet_safe(name) for name in fields})
    for row in rows:
        cells = dict(row, flags="; ".join(row.get("flags", [])))
        writer.writerow({k: spreadsheet_safe(v) if isinstance(v, str) else v for k, v in cells.items()})
    return buffer.getvalue()


#: Columns after ``status`` (added later: tools that read the first ones keep working).
CSV_EXTRA = ("estado", "late_days", "flags", "name")


def spreadsheet_safe(cell: str) -> str:
    """OWASP's defence against CSV injection: a cell a spreadsheet would read as a formula gets a
    leading single quote (the csv writer quotes it and escapes its own quotes), e.g.
    ``=HYPERLINK("http://x")`` -> ``'=HYPERLINK("http://x")``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def failure_rates(reports: dict[str, Report]) -> list[dict]:
    """Each test's share of failures among the submissions the grader ran, most failed first,
    with the failing input most of its failures name (the ``Entrada: ...`` line of the message)
    and how many failures name it."""
    failed, total = defaultdict(int), defaultdict(int)
    inputs: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for report in reports.values():
        if report.status != "graded":
            continue  # a crash fails every test; it says nothing about which mistake is common
        for part, test in report.tests():
            key = (part, f"{test_label(test)} ({test.name})")
            total[key] += 1
            if not test.passed:
                failed[key] += 1
                first = test.message.split("\n", 1)[0]
                if first.startswith(INPUT_PREFIX):
                    inputs[key][first[len(INPUT_PREFIX):].strip()] += 1
    rates = []
    for (part, test), n in total.items():
        common = inputs[(part, test)].most_common(1)
        rates.append({"part": part, "test": test, "failed": failed[(part, test)], "total": n,
                      "rate": failed[(part, test)] / n,
                      "common_input": common[0][0] if common else "", "common_count": common[0][1] if common else 0})
    return sorted(rates, key=lambda r: (-r["rate"], r["part"], r["test"]))


def problem_submissions(reports: dict[str, Report], unrecorded: dict[str, dict] | None = None) -> list[dict]:
    """Students whose submission crashed, timed out or was flagged, with why (one row per kind of
    flag), and those whose result the grader could not record."""
    problems = []
    unrecorded = unrecorded or {}
    for student in sorted(set(unrecorded) - set(reports)):
        problems.append({"student": student, "kind": label(PROBLEM_KINDS, RECORD_ERROR),
                         "detail": unrecorded[student].get("error", "")})
    for student, report in sorted(reports.items()):
        if report.status in PROBLEM_KINDS:
            problems.append({"student": student, "kind": label(PROBLEM_KINDS, report.status), "detail": report.load_error or ""})
        error = report.record_error or unrecorded.get(student, {}).get("error")
        if error:
            problems.append({"student": student, "kind": label(PROBLEM_KINDS, RECORD_ERROR), "detail": error})
        by_kind: dict[str, list] = defaultdict(list)
        for flag in report.flags:
            by_kind[flag.kind].append(flag)
        for kind, flags in by_kind.items():
            first = flags[0]
            more = " " + _i("(and {count} more)", count=len(flags) - 1) if len(flags) > 1 else ""
            problems.append({
                "student": student,
                "kind": label(FLAG_KINDS, kind),
                "detail": (first.part or _i("submission")) + f": {first.message}{more}",
            })
    return problems


def histograms_png(parts: dict[str, float], reports: dict[str, Report]) -> str:
    """One histogram per part and one of the final score, as a base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server; set before pyplot is imported
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    panels = [(part, points, [r.part_score(part) for r in reports.values()]) for part, points in parts.items()]
    panels.append((_i("total (final)"), float(sum(parts.values())), [r.final for r in reports.values()]))
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.8 * rows), squeeze=False)
    for axis, (title, points, scores) in zip(axes.flat, panels):
        axis.hist(scores, bins=10, range=(0, points or 1), color="#4a78b5", edgecolor="white")
        axis.set_title(_i("{title} (max. {points})", title=title, points=format(points, "g")))
        axis.set_xlabel(_i("score"))
        axis.set_ylabel(_i("students"))
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))  # students are counted whole
    for axis in list(axes.flat)[len(panels):]:
        axis.axis("off")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
