"""The instructor's loop through nbgrader: ``release``, ``collect``, ``feedback``, ``report``, ``demo``.

Each command calls one function of ``autograder.workflow`` and prints what it returns.
"""
from __future__ import annotations

from pathlib import Path

from autograder.cli.common import course_of
from autograder.config import load_course
from autograder.i18n import _i


def release(args) -> int:
    from autograder.workflow.release import release_assignment

    print(release_assignment(course_of(args, args.assignment), args.assignment))
    return 0


def collect(args) -> int:
    from autograder.workflow.collect import collect_assignment

    # Nothing collected (not released yet, a missing or unreadable zip): a known error, one line.
    print(collect_assignment(course_of(args), args.assignment, lms_zip=args.zip))
    return 0


def feedback(args) -> int:
    from autograder.workflow.feedback_pages import write_feedback

    print(write_feedback(course_of(args), args.assignment))
    return 0


def report(args) -> int:
    from autograder.workflow.class_report import write_class_report

    print(write_class_report(course_of(args), args.assignment))
    return 0


def demo(args) -> int:
    """The whole loop on the bundled sample class, then where to open what it made."""
    from rich.console import Console

    from autograder.workflow.demo import run_demo
    from autograder.workflow.layout import feedback_dir
    from autograder.workflow.layout import reports_dir
    from autograder.workflow.layout import class_report_dir

    if args.course is not None:
        load_course(args.course)  # a broken course file: one line per mistake before anything is made
    console = Console()
    run = run_demo(Path(args.dir), jobs=args.jobs, source=args.course, console=console)
    course, names, folder = run.course, run.names, run.folder
    console.print("\n" + _i("[bold]Demo ready in {seconds} s[/] (grading: {timings}). Open:",
                             seconds=format(run.seconds, ".0f"),
                             timings=", ".join(f"{n} {s:.0f} s" for n, s in run.timings.items())))
    for name in names:
        console.print("  " + _i("class report:       {path}", path=class_report_dir(course, name) / "index.html"))
    console.print("  " + _i("feedback:           {path}/ (one folder per student)", path=feedback_dir(course, names[0], "bruno")))
    console.print("  " + _i("JSON reports:       {path}/", path=reports_dir(course, names[0])))
    console.print("  " + _i("nbgrader gradebook: {path}", path=course.course_dir / "gradebook.db"))
    console.print(_i("Every step can be repeated: autograder --course {course} grade|feedback|report ASSIGNMENT",
                     course=folder / "course.yaml"))
    return 0
