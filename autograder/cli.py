"""The `autograder` command: parses arguments, calls one plain function, prints the result.

Every action lives in a module of its own (``autograder.<area>``) as a function a test can call;
this file only wires arguments to them and turns known errors into one clear line and exit 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.config import CourseConfigError, course_problems, load_course
from autograder.messages import text


class UsageError(Exception):
    """The command line or its inputs are wrong; the message says what to fix."""


def _course(args, assignment: str | None = None):
    """The course file of ``--course``; with ``assignment``, also checked against the course's files
    (its parts must be defined by the solutions and the hidden suite: an unknown part would only
    show up later, as a test that never ran)."""
    course = load_course(args.course)
    if assignment is not None:
        course.assignment(assignment)  # unknown: one line with the known names
        problems = course_problems(course, [assignment], notebooks=False)
        if problems:
            raise CourseConfigError("\n".join(problems))
    return course


def _cmd_build(args) -> int:
    from autograder.content.build import build_assignments

    course = _course(args)
    names = args.assignments or [a.name for a in course.assignments]
    for path in build_assignments(course, names):
        print(f"generado: {path}")
    return 0


def _cmd_grade(args) -> int:
    """One submission (a path, with --assignment) or a whole collected class (an assignment name)."""
    target = Path(args.target)
    if args.assignment or target.exists():
        if not args.assignment:
            raise UsageError("grading one submission needs --assignment NAME")
        course = _course(args, args.assignment)
        from autograder.grading.api import grade_submission_cli

        return grade_submission_cli(course, target, args.assignment, json_out=args.json, device=args.device)
    course = _course(args, args.target)
    from autograder.workflow.grade_class import grade_class_cli

    return grade_class_cli(course, args.target, jobs=args.jobs, force=args.force, device=args.device)


def _cmd_check(args) -> int:
    from autograder import config
    from autograder.grading.api import check_notebook_cli

    # Only the package installed (a student's machine): the release's public facts beside the
    # notebook are the course. Never in a checkout: a submitted folder may hold a student's copy.
    facts = None if args.course or config.DEFAULT_COURSE_FILE.exists() else \
        config.find_public_facts(Path(args.notebook).resolve().parent)
    if facts is not None:
        course = load_course(facts)
    else:
        course = _course(args, args.assignment) if args.assignment else _course(args)
    return check_notebook_cli(course, Path(args.notebook), part=args.part, assignment=args.assignment)


def _cmd_release(args) -> int:
    from autograder.workflow.release import release_assignment

    print(release_assignment(_course(args, args.assignment), args.assignment))
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
    from autograder.workflow.feedback_pages import write_feedback

    print(write_feedback(_course(args), args.assignment))
    return 0


def _cmd_report(args) -> int:
    from autograder.workflow.class_report import write_class_report

    print(write_class_report(_course(args), args.assignment))
    return 0


def _cmd_demo(args) -> int:
    from autograder.workflow.demo import run_demo

    if args.course is not None:
        load_course(args.course)  # a broken course file: one line per mistake before anything is made
    return run_demo(Path(args.dir), jobs=args.jobs, source=args.course)


def _cmd_export(args) -> int:
    from autograder.export import artefacts
    from autograder.export.tree import ExportError

    course = _course(args, args.assignment)
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
    """The schema (load_course), then what the course's files define: parts and built notebooks."""
    course = _course(args)
    problems = course_problems(course)
    if problems:
        raise CourseConfigError("\n".join(problems))
    print(text("validated", course.language, path=course.source, n=len(course.assignments)))
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


#: The known errors defined elsewhere: (module, class). Looked up only in modules already imported
#: (an error cannot come from a module that never loaded), so reporting one imports nothing heavy.
KNOWN_ERRORS = (
    ("autograder.content.reference", "ContentError"),
    ("autograder.export.tree", "ExportError"),
    ("autograder.grading.api", "GraderError"),
    ("autograder.workflow.lms_zip", "ZipCollectError"),
    ("autograder.workflow.demo", "DemoFolderError"),
)


def _known_errors() -> tuple[type[BaseException], ...]:
    """The problems a command reports in one line (exit 2): the input's fault, not the grader's bug."""
    found: list[type[BaseException]] = [CourseConfigError, UsageError, OSError]
    for module, name in KNOWN_ERRORS:
        if module in sys.modules:
            found.append(getattr(sys.modules[module], name))
    return tuple(found)


def error_lines(exc: BaseException) -> list[str]:
    """What to print for a known error: one line per problem (course.yaml's), else one line.

    nbgrader's failures come with its whole log: the first line and the log's last error line.
    An OSError names its file (a missing notebook, an unwritable folder).
    """
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return [f"{exc.filename}: {exc.strerror}"]
    lines = [" ".join(line.split()) for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
    if isinstance(exc, CourseConfigError):
        return lines
    if len(lines) > 1:
        errors = [line for line in lines[1:] if "error" in line.lower() or "Error" in line]
        return [f"{lines[0].rstrip(':')}: {(errors or lines[1:])[-1]}"]
    return lines


def _is_nbgrader_failure(exc: BaseException) -> bool:
    # autograder/workflow/nbgrader_setup.check_result's RuntimeError ("nbgrader <action> falló: ...")
    return type(exc) is RuntimeError and str(exc).startswith("nbgrader ")


def main(argv: list[str] | None = None) -> int:
    """Run one command; a known problem is one line on stderr per problem and exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - only the known kinds are caught; the rest re-raised
        if not (isinstance(exc, _known_errors()) or _is_nbgrader_failure(exc)):
            raise
        for line in error_lines(exc):
            print(f"autograder {args.command}: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
