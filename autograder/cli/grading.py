"""``autograder grade`` and ``autograder check``: grade, print the table, choose the exit status.

The grading itself is ``autograder.grading.api.grade_submission`` (one submission) and
``autograder.workflow.grade_class.grade_class`` (a collected class); this module only presents
their results. Example::

    grade_submission_cli(load_course(), Path("entrega.ipynb"), "convolutions", json_out=None)   # 0
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from autograder.cli.common import course_of
from autograder.config import Course, DEFAULT_COURSE_FILE, find_public_facts, load_course
from autograder.errors import UsageError
from autograder.i18n import N_i, _i, _in


def grade(args) -> int:
    """One submission (a path, with --assignment) or a whole collected class (an assignment name)."""
    target = Path(args.target)
    if args.assignment or target.exists():
        if not args.assignment:
            raise UsageError(_i("grading one submission needs --assignment NAME"))
        course = course_of(args, args.assignment)
        return grade_submission_cli(course, target, args.assignment, json_out=args.json, device=args.device)
    course = course_of(args, args.target)
    return grade_class_cli(course, args.target, jobs=args.jobs, force=args.force, device=args.device)


def check(args) -> int:
    # Only the package installed (a student's machine): the release's public facts beside the
    # notebook are the course. Never in a checkout: a submitted folder may hold a student's copy.
    facts = None if args.course or DEFAULT_COURSE_FILE.exists() else \
        find_public_facts(Path(args.notebook).resolve().parent)
    if facts is not None:
        course = load_course(facts)
    else:
        course = course_of(args, args.assignment) if args.assignment else course_of(args)
    return check_notebook_cli(course, Path(args.notebook), part=args.part, assignment=args.assignment)


def grade_submission_cli(course: Course, target: Path, assignment: str, json_out: Path | None,
                         device: str = "cpu") -> int:
    """`autograder grade PATH --assignment NAME [--json OUT]`: summary table, JSON; exit 0 once graded."""
    from autograder.grading.api import grade_submission
    from autograder.grading.summary import print_summary

    if not Path(target).exists():
        print("autograder: " + _i("{path} does not exist", path=target), file=sys.stderr)
        return 2
    report = grade_submission(course, Path(target), assignment, device=device)  # GraderError: main's one line
    if json_out is not None:
        Path(json_out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_summary(report, details=False)
    return 0


def check_notebook_cli(course: Course, notebook: Path, part: str | None = None, assignment: str | None = None) -> int:
    """`autograder check NOTEBOOK [--part P]`: the public checks, with full messages; exit 1 if any fails."""
    from autograder.grading.api import grade_submission
    from autograder.grading.summary import print_summary

    if not Path(notebook).exists():
        print("autograder: " + _i("{path} does not exist", path=notebook), file=sys.stderr)
        return 2
    name = assignment or guess_assignment(course, Path(notebook))
    report = grade_submission(course, Path(notebook), name, profile="public", only_part=part)  # GraderError: main's line
    print_summary(report, details=True)
    return 0 if report["score"] == report["max_score"] else 1


def guess_assignment(course: Course, notebook: Path) -> str:
    """The assignment whose notebook name (or name) the file has; else a UsageError."""
    for spec in course.assignments:
        if notebook.name == spec.notebook or notebook.stem == spec.name:
            return spec.name
    raise UsageError(_i("cannot tell the assignment of {name}; pass --assignment NAME", name=notebook.name))


def grade_class_cli(course: Course, assignment: str, *, jobs: int = 2, force: bool = False, device: str = "cpu") -> int:
    """``autograder grade ASSIGNMENT``: grade, then print one line per student."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from autograder.workflow.grade_class import grade_class
    from autograder.workflow.layout import gradebook_path, reports_dir

    console = Console()
    run = grade_class(course, assignment, jobs=jobs, force=force, device=device, console=console)
    if not run.reports:
        console.print(_i("No collected submissions of {quoted}: run `autograder collect {assignment}` first.",
                         quoted=repr(assignment), assignment=assignment))
        return 0
    table = Table(title=_i("{assignment}: {graded} graded, {reused} unchanged", assignment=assignment,
                           graded=len(run.graded), reused=len(run.reused)))
    for column in (N_i("student"), N_i("score"), N_i("late"), N_i("final"), N_i("status")):
        table.add_column(_i(column))
    for student, report in sorted(run.reports.items()):
        late = report.late
        status = str(report.status)
        table.add_row(
            escape(student),
            f"{report.score:g}/{report.max_score:g}",
            f"-{late.penalty:g} ({late.days_late} d)" if late and late.penalty else "",
            f"{report.final:g}",
            _i("{status}, not recorded", status=status) if student in run.record_errors else status,
        )
    console.print(table)
    console.print(_i("Reports in {reports}; scores in {gradebook}", reports=reports_dir(course, assignment),
                     gradebook=gradebook_path(course)), markup=False)
    if run.record_errors:
        console.print("[bold red]" + escape(_in(
            "Grader error: {count} result not recorded (the scores above are the graded ones; run `grade` "
            "again to record it):",
            "Grader error: {count} results not recorded (the scores above are the graded ones; run `grade` "
            "again to record them):", len(run.record_errors))) + "[/]", markup=True)
        for student, error in sorted(run.record_errors.items()):
            console.print(f"  {student}: {error}", markup=False)
        return 1
    return 0
