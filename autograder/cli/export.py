"""``autograder export ENGINE ASSIGNMENT``: a grader for another engine (autograder/export/)."""
from __future__ import annotations

from pathlib import Path

from autograder.cli.common import course_of
from autograder.i18n import _i
from autograder.errors import UsageError


def export(args) -> int:
    from autograder.export import artefacts

    course = course_of(args, args.assignment)
    if args.engine == "gradescope":
        path = artefacts.export_gradescope(course, args.assignment, args.out or Path("autograder.zip"))
    elif args.out is None:
        raise UsageError(_i("export {engine} needs --out DIR", engine=args.engine))
    elif args.engine == "prairielearn":
        path = artefacts.export_prairielearn(course, args.assignment, args.out, image=args.image)
    else:
        path = artefacts.export_image(course, args.assignment, args.out)
    print(_i("exported: {path}", path=path))
    return 0
