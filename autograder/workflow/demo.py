"""``autograder demo`` (``make demo``): the whole course loop on a sample class, from scratch.

In a throwaway folder (recreated each run): release the three assignments through nbgrader;
each student of ``sample_class/class.yaml`` fetches, fills and submits through the real exchange
(a late student hands in through the LMS instead: the demo runs before the due dates, and the
LMS zip's own date is evidence a sceptical instructor accepts, where a rewritten timestamp.txt is
not); then collect (exchange and LMS zip), grade (sandboxed), feedback and the class report (the
command, autograder/cli/workflow.py, then prints where to open them).
The demo shortens the per-call timeout so the infinite-loop student costs seconds, not minutes.
Example::

    run = run_demo(Path("demo-course"), jobs=2)
    run.names, run.timings       # (['convolutions', ...], {'convolutions': 41.2, ...})
"""
from __future__ import annotations

import datetime as dt
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from zoneinfo import ZoneInfo

from rich.console import Console

from autograder.config import Course, use_course_language
from autograder.errors import DemoFolderError
from autograder.i18n import _i
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.collect import collect_assignment
from autograder.workflow.feedback_pages import write_feedback
from autograder.workflow.grade_class import grade_class
from autograder.workflow.layout import source_notebook
from autograder.workflow.lms_zip import extended_timestamp
from autograder.workflow.release import RosterEntry, release_assignment
from autograder.workflow.class_report import write_class_report
from autograder.workflow.sample_class import (
    BROKEN_JSON, StudentPlan, break_json, cells_for, fill_notebook, load_sample_class, reference_code,
)
from autograder.workflow.student import fetch_assignment_as, submit_assignment_as

#: Left in the demo folder so a later run knows it may delete it (and nothing else).
MARKER = ".autograder-demo"
#: Time limits of the demo course (course.yaml's are for real classes): the infinite-loop
#: student then costs seconds, not minutes.
DEMO_LIMITS = {"call_timeout": 15, "submission_timeout": 240}


def fresh_folder(folder: Path) -> None:
    """Empty ``folder``, refusing to delete one that an earlier demo did not create."""
    if folder.exists():
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise DemoFolderError(_i("{folder} exists and is not a demo folder: choose another one with --dir",
                                     folder=folder))
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text(_i("throwaway folder of `autograder demo`") + "\n", encoding="utf-8")


def hand_in(course: Course, plan: StudentPlan, assignment: str) -> Path:
    """One student fetches ``assignment``, fills it as their plan says and submits it: through the
    exchange (the inbound folder is returned), or, for a late plan, through the LMS: the notebook
    goes into the LMS zip (:func:`lms_zip_path`) dated ``late_days`` after the due date."""
    home = course.course_dir.parent / "students" / plan.student
    notebook = fetch_assignment_as(course, plan.student, assignment, home)
    what = plan.hand_ins[assignment]
    if what == BROKEN_JSON:
        break_json(notebook)
    else:
        source = source_notebook(course, assignment)
        reference = reference_code(source, list(course.assignment(assignment).parts))
        fill_notebook(notebook, cells_for(assignment, what, reference))
    due = course.assignment(assignment).due
    if plan.late_days and due is not None:
        return add_to_lms_zip(course, assignment, plan.student, notebook, due + dt.timedelta(days=plan.late_days))
    return submit_assignment_as(course, plan.student, assignment, home)


def lms_zip_path(course: Course, assignment: str) -> Path:
    """Where the demo's LMS leaves its zip of ``assignment``'s submissions."""
    return course.course_dir.parent / "lms" / f"{assignment}.zip"


def add_to_lms_zip(course: Course, assignment: str, student: str, notebook: Path, moment: dt.datetime) -> Path:
    """What an LMS does with an upload at ``moment``: ``<student>/<notebook>`` in its zip, dated then
    (the DOS date in the course's time zone and the UTC extended timestamp, as zip tools write)."""
    path = lms_zip_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    local = moment.astimezone(ZoneInfo(course.course.timezone))
    entry = zipfile.ZipInfo(f"{student}/{notebook.name}", date_time=local.timetuple()[:6])
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.extra = extended_timestamp(moment)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(entry, notebook.read_bytes())
    return path


def collect_class(course: Course, assignment: str) -> str:
    """Collect from the exchange, then the LMS zip when some student handed in there."""
    lines = [collect_assignment(course, assignment)]
    if lms_zip_path(course, assignment).is_file():
        lines.append(collect_assignment(course, assignment, lms_zip=lms_zip_path(course, assignment)))
    return "\n".join(lines)


@dataclass
class DemoRun:
    """What a demo made: its course copy, the assignments it ran and each one's grading time (s)."""

    folder: Path
    course: Course
    names: list[str]
    timings: dict[str, float]
    seconds: float


def run_demo(folder: Path, jobs: int = 2, assignments: list[str] | None = None,
             source: Path | None = None, console: Console | None = None) -> DemoRun:
    """The whole loop on the sample class, in a copy of ``source`` (default: the repository's course
    file); each step's progress goes to ``console``, where the command then says what to open."""
    console = console or Console()
    started = time.monotonic()
    folder = Path(folder).resolve()
    fresh_folder(folder)
    copy_of = {"source": Path(source)} if source is not None else {}
    course = write_course_copy(folder, assignments=assignments, grading=DEMO_LIMITS, **copy_of)
    use_course_language(course)
    plans = load_sample_class()
    names = [a.name for a in course.assignments]

    roster = [RosterEntry(p.student, *(p.name.split(" ", 1) + [None])[:2]) for p in plans.values()]
    for name in names:
        console.print(_i("[bold]releasing[/] {name}: {folder}", name=name,
                         folder=release_assignment(course, name, students=roster)))
    for plan in plans.values():
        for name in names:
            if name in plan.hand_ins:
                hand_in(course, plan, name)
        console.print(f"  {plan.student}: {plan.story}")

    timings = {}
    for name in names:
        console.print(collect_class(course, name), markup=False)
        t0 = time.monotonic()
        run = grade_class(course, name, jobs=jobs, console=console)
        timings[name] = time.monotonic() - t0
        for student, report in sorted(run.reports.items()):
            console.print(f"  {student:10s} {report.final:6.1f} / {report.max_score:g}  {report.status}")
        console.print(write_feedback(course, name))
        console.print(write_class_report(course, name))
    return DemoRun(folder, course, names, timings, time.monotonic() - started)
