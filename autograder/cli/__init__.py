"""The `autograder` command: parses arguments, calls one plain function, prints the result.

Every action lives in a module of its own (``autograder.<area>``) as a function a test can call;
this package only wires arguments to them (one module per group of commands: ``content``,
``grading``, ``workflow``, ``export``), prints their results, chooses the exit status, and turns
the known errors (``autograder.errors``) into one clear line each and exit 2.
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from autograder.cli import content, export, grading, workflow
from autograder.config import DEFAULT_COURSE_FILE, load_course, use_course_language
from autograder.errors import KNOWN_ERRORS, CourseConfigError
from autograder.i18n import N_i, _i

DESCRIPTION = N_i("The `autograder` command: parses arguments, calls one plain function, prints the result.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=_i(DESCRIPTION))
    parser.add_argument("--course", type=Path, default=None, help=_i("course.yaml to use (default: the repository's)"))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help=_i("generate the student notebooks (assignments/) from solutions/"))
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=content.build)

    p = sub.add_parser("grade", help=_i("grade one submission (PATH --assignment NAME) or a collected class (NAME)"))
    p.add_argument("target", help=_i("a .ipynb/.py/folder submission, or an assignment name to grade the class"))
    p.add_argument("--assignment", help=_i("the assignment a single submission belongs to"))
    p.add_argument("--json", type=Path, help=_i("write the JSON report here"))
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--jobs", type=int, default=2, help=_i("parallel workers when grading a class"))
    p.add_argument("--force", action="store_true", help=_i("regrade submissions that did not change"))
    p.set_defaults(func=grading.grade)

    p = sub.add_parser("check", help=_i("run the public checks on a notebook (what students run)"))
    p.add_argument("notebook")
    p.add_argument("--part", help=_i("only this part"))
    p.add_argument("--assignment", help=_i("default: guessed from the notebook's name"))
    p.set_defaults(func=grading.check)

    for name, func, helptext in [
        ("release", workflow.release, N_i("nbgrader generate_assignment + release_assignment")),
        ("feedback", workflow.feedback, N_i("one HTML feedback page (and results.json) per student")),
        ("report", workflow.report, N_i("the class report: HTML with plots, plus a CSV")),
    ]:
        p = sub.add_parser(name, help=_i(helptext))
        p.add_argument("assignment")
        p.set_defaults(func=func)

    p = sub.add_parser("collect", help=_i("the exchange's submissions (or an LMS zip's, with --zip), read as student files"))
    p.add_argument("assignment")
    p.add_argument("--zip", type=Path, help=_i("an LMS zip of notebooks instead of the exchange"))
    p.set_defaults(func=workflow.collect)

    p = sub.add_parser("demo", help=_i("the whole loop on a bundled sample class"))
    p.add_argument("--dir", default="demo-course", help=_i("throwaway folder for the demo course"))
    p.add_argument("--jobs", type=int, default=2)
    p.set_defaults(func=workflow.demo)

    p = sub.add_parser("export", help=_i("a grader for another engine: gradescope zip, prairielearn question, image"))
    p.add_argument("engine", choices=["gradescope", "prairielearn", "image"])
    p.add_argument("assignment")
    p.add_argument("--out", type=Path, help=_i("gradescope: the zip (default autograder.zip); others: a new folder"))
    p.add_argument("--image", default="cnn-autograder:latest", help=_i("prairielearn: the grading image's name"))
    p.set_defaults(func=export.export)

    p = sub.add_parser("validate", help=_i("check course.yaml"))
    p.set_defaults(func=content.validate)
    return parser


def is_known(exc: BaseException) -> bool:
    """A problem a command reports in one line (exit 2): the input's fault, not the grader's bug.

    The classes of ``autograder.errors``, an OSError (a missing notebook, an unwritable folder),
    and nbgrader's failures (``workflow/nbgrader_setup.check_result``'s RuntimeError,
    "nbgrader <action> falló: ...").
    """
    if isinstance(exc, (*KNOWN_ERRORS, OSError)):
        return True
    return type(exc) is RuntimeError and str(exc).startswith("nbgrader ")


def error_lines(exc: BaseException) -> list[str]:
    """What to print for a known error: one line per problem (course.yaml's), else one line.

    nbgrader's failures come with its whole log: the first line and the log's last error line.
    An OSError names its file (a missing notebook, an unwritable folder). A control character (a
    file name's newline or terminal escape: names can come from students) is shown escaped.
    """
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return [_printable(f"{exc.filename}: {exc.strerror}")]
    lines = [" ".join(_printable(line).split()) for line in str(exc).splitlines() if line.strip()] \
        or [type(exc).__name__]
    if isinstance(exc, CourseConfigError):
        return lines
    if len(lines) > 1:
        errors = [line for line in lines[1:] if "error" in line.lower() or "Error" in line]
        return [f"{lines[0].rstrip(':')}: {(errors or lines[1:])[-1]}"]
    return lines


#: What a terminal may act on rather than show: control and format characters, line separators.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _printable(text: str) -> str:
    """``text`` with every control or format character (newline, ESC, a bidi override) escaped."""
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in _UNPRINTABLE else c
                   for c in str(text))


def _follow_the_course_language(argv: list[str]) -> None:
    """Speak the course's language (course.yaml's ``course.language``) from the help on.

    Only ``--course`` is read here; a course file that does not load leaves Spanish, and its
    command then reports why, in one line per mistake.
    """
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--course", type=Path, default=None)
    known, _rest = early.parse_known_args(argv)
    try:
        use_course_language(load_course(known.course or DEFAULT_COURSE_FILE))
    except Exception:  # noqa: BLE001 - the command itself reports a broken course file
        pass


def main(argv: list[str] | None = None) -> int:
    """Run one command; a known problem is one line on stderr per problem and exit status 2."""
    _follow_the_course_language(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - only the known kinds are caught; the rest re-raised
        if not is_known(exc):
            raise
        for line in error_lines(exc):
            print(f"autograder {args.command}: {line}", file=sys.stderr)
        return 2

