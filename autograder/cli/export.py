"""``autograder export ENGINE ASSIGNMENT``: a grader for another engine (autograder/export/)."""
from __future__ import annotations

from pathlib import Path

from autograder.cli.common import course_of
from autograder.errors import UsageError


def export(args) -> int:
    from autograder.export import artefacts

    course = course_of(args, args.assignment)
    if args.engine == "gradescope":
        path = artefacts.export_gradescope(course, args.assignment, args.out or Path("autograder.zip"))
    elif args.out is None:
        raise UsageError(f"export {args.engine} needs --out DIR")
    elif args.engine == "prairielearn":
        path = artefacts.export_prairielearn(course, args.assignment, args.out, image=args.image)
    else:
        path = artefacts.export_image(course, args.assignment, args.out)
    print(f"exportado: {path}")
    return 0
