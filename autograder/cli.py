"""The `autograder` command: parses arguments, calls one plain function, prints the result.

Every action lives in a module of its own (``autograder.<area>``) as a function a test can call;
this file only wires arguments to them and turns known errors into one clear line and exit 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.config import CourseConfigError, load_course


class UsageError(Exception):
    """The command line or its inputs are wrong; the message says what to fix."""


def _course(args):
    return load_course(args.course)


def _cmd_build(args) -> int:
    from autograder.content.build import build_assignments

    course = _course(args)
    names = args.assignments or [a.name for a in course.assignments]
    for path in build_assignments(course, names):
        print(f"generado: {path}")
    return 0


def _cmd_grade(args) -> int:
    """One submission (a path, with --assignment) or a whole collected class (an assignment name)."""
    course = _course(args)
    target = Path(args.target)
    if args.assignment or target.exists():
        if not args.assignment:
            raise UsageError("grading one submission needs --assignment NAME")
        from autograder.grading.api import grade_submission_cli

        return grade_submission_cli(course, target, args.assignment, json_out=args.json, device=args.device)
    from autograder.workflow.grade_class import grade_class_cli

    return grade_class_cli(course, args.target, jobs=args.jobs, force=args.force, device=args.device)


def _cmd_check(args) -> int:
    from autograder.grading.api import check_notebook_cli

    return check_notebook_cli(_course(args), Path(args.notebook), part=args.part, assignment=args.assignment)


def _cmd_release(args) -> int:
    from autograder.workflow.release import release_assignment

    print(release_assignment(_course(args), args.assignment))
    return 0


def _cmd_collect(args) -> int:
    from autograder.workflow.collect import collect_assignment
    from autograder.workflow.lms_zip import ZipCollectError

    try:
        print(collect_assignment(_course(args), args.assignment, lms_zip=args.zip))
    except (ZipCollectError, FileNotFoundError) as exc:  # nothing was collected: say why, no traceback
        print(f"autograder collect: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_feedback(args) -> int:
    from autograder.workflow.feedback import write_feedback

    print(write_feedback(_course(args), args.assignment))
    return 0


def _cmd_report(args) -> int:
    from autograder.workflow.report import write_class_report

    print(write_class_report(_course(args), args.assignment))
    return 0


def _cmd_demo(args) -> int:
    from autograder.workflow.demo import run_demo

    return run_demo(Path(args.dir), jobs=args.jobs)


def _cmd_export(args) -> int:
    from autograder.export import artefacts
    from autograder.export.tree import ExportError

    course = _course(args)
    try:
        if args.engine == "gradescope":
            path = artefacts.export_gradescope(course, args.assignment, args.out or Path("autograder.zip"))
        elif args.out is None:
            raise UsageError(f"export {args.engine} needs --out DIR")
        elif args.engine == "prairielearn":
            path = artefacts.export_prairielearn(course, args.assignment, args.out, image=args.image)
        else:
            path = artefacts.export_image(course, args.assignment, args.out)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    print(f"exportado: {path}")
    return 0


def _cmd_validate(args) -> int:
    course = _course(args)
    print(f"{args.course or 'course.yaml'}: ok ({len(course.assignments)} assignments)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=None, help="course.yaml to use (default: the repository's)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="generate the student notebooks (assignments/) from solutions/")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("grade", help="grade one submission (PATH --assignment NAME) or a collected class (NAME)")
    p.add_argument("target", help="a .ipynb/.py/folder submission, or an assignment name to grade the class")
    p.add_argument("--assignment", help="the assignment a single submission belongs to")
    p.add_argument("--json", type=Path, help="write the JSON report here")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--jobs", type=int, default=2, help="parallel workers when grading a class")
    p.add_argument("--force", action="store_true", help="regrade submissions that did not change")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("check", help="run the public checks on a notebook (what students run)")
    p.add_argument("notebook")
    p.add_argument("--part", help="only this part")
    p.add_argument("--assignment", help="default: guessed from the notebook's name")
    p.set_defaults(func=_cmd_check)

    for name, func, helptext in [
        ("release", _cmd_release, "nbgrader generate_assignment + release_assignment"),
        ("feedback", _cmd_feedback, "one HTML feedback page (and results.json) per student"),
        ("report", _cmd_report, "the class report: HTML with plots, plus a CSV"),
    ]:
        p = sub.add_parser(name, help=helptext)
        p.add_argument("assignment")
        p.set_defaults(func=func)

    p = sub.add_parser("collect", help="the exchange's submissions (or an LMS zip's, with --zip), read as student files")
    p.add_argument("assignment")
    p.add_argument("--zip", type=Path, help="an LMS zip of notebooks instead of the exchange")
    p.set_defaults(func=_cmd_collect)

    p = sub.add_parser("demo", help="the whole loop on a bundled sample class")
    p.add_argument("--dir", default="demo-course", help="throwaway folder for the demo course")
    p.add_argument("--jobs", type=int, default=2)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("export", help="a grader for another engine: gradescope zip, prairielearn question, image")
    p.add_argument("engine", choices=["gradescope", "prairielearn", "image"])
    p.add_argument("assignment")
    p.add_argument("--out", type=Path, help="gradescope: the zip (default autograder.zip); others: a new folder")
    p.add_argument("--image", default="cnn-autograder:latest", help="prairielearn: the grading image's name")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("validate", help="check course.yaml")
    p.set_defaults(func=_cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CourseConfigError, UsageError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
