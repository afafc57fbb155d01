"""A throwaway course folder: a course.yaml copy whose nbgrader folders live beside it.

The demo and the end-to-end test need a course whose course directory, exchange and gradebook
are fresh, without touching the instructor's. The copy keeps the repository's assignments (or
some of them) and may shorten time limits; ``solutions`` is linked back to the repository,
because the notebook builder reads the reference beside course.yaml. The folder is then a
complete course: ``autograder --course FOLDER/course.yaml report convolutions`` works on it.
Example::

    course = write_course_copy(Path("/tmp/curso"), grading={"call_timeout": 15})
    course.course_dir        # PosixPath('/tmp/curso/course')
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml

from autograder.config import DEFAULT_COURSE_FILE, REPO_ROOT, Course, load_course
from autograder.i18n import N_i, _i

HEADER = N_i("# Throwaway copy of course.yaml written by autograder (demo or test): not to be edited.\n")


def write_course_copy(
    folder: Path,
    *,
    assignments: Optional[list[str]] = None,
    grading: Optional[dict] = None,
    source: Path = DEFAULT_COURSE_FILE,
) -> Course:
    """Write ``folder/course.yaml`` (folders ``course/`` and ``exchange/`` beside it) and load it."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    data["course"]["course_dir"] = "course"
    data["course"]["exchange"] = "exchange"
    data.setdefault("grading", {}).update(grading or {})
    if assignments is not None:
        data["assignments"] = [a for a in data["assignments"] if a["name"] in assignments]
    target = folder / "course.yaml"
    target.write_text(_i(HEADER) + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    link = folder / "solutions"
    if not link.exists():  # the solutions beside the source course file, else the repository's
        beside = Path(source).resolve().parent / "solutions"
        link.symlink_to(beside if beside.is_dir() else REPO_ROOT / "solutions", target_is_directory=True)
    return load_course(target)
