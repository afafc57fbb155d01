"""``autograder build``: the student notebooks in ``assignments/``, generated from ``solutions/``.

Three steps, each a function a test can call:

1. :func:`write_source_notebook` writes nbgrader's *source* notebook (solutions in place);
2. :func:`generate_release` runs nbgrader's own ``generate_assignment`` on it (solution regions
   become ``raise NotImplementedError()`` stubs, cells are locked, outputs cleared);
3. :func:`build_assignments` does both in a throwaway course folder and copies the released
   notebook to ``assignments/<name>/<notebook>``.

The same inputs give byte-identical files, so a test can tell when ``assignments/`` is stale.
Example::

    build_assignments(load_course(), ["convolutions"])   # [PosixPath('.../assignments/convolutions/convolutions.ipynb')]
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat

from autograder.config import Course
from autograder.content.nbgrader_config import nbgrader_config, put_nbgrader_tools_on_path
from autograder.content.reference import ContentError
from autograder.content.source_notebook import make_source_notebook
from autograder.i18n import _i


def write_source_notebook(course: Course, assignment_name: str, course_dir: Path) -> Path:
    """Write ``<course_dir>/source/<name>/<notebook>`` (the instructor's version) and return it."""
    notebook = make_source_notebook(course, assignment_name)
    path = Path(course_dir) / "source" / assignment_name / course.assignment(assignment_name).notebook
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(notebook, path)
    return path


def generate_release(course: Course, assignment_name: str, course_dir: Path) -> Path:
    """Run nbgrader generate_assignment on the source notebook; return ``<course_dir>/release/<name>``."""
    # Imported here: nbgrader's import is slow and only building needs it.
    from nbgrader.apps import NbGraderAPI

    put_nbgrader_tools_on_path()
    api = NbGraderAPI(config=nbgrader_config(course, Path(course_dir)))
    result = api.generate_assignment(assignment_name, force=True, create=True)
    if not result["success"]:
        raise ContentError(_i("nbgrader generate_assignment failed for {name}:\n{error}\n{log}", name=repr(assignment_name),
                              error=result.get("error", ""), log=result.get("log", "")))
    return Path(course_dir) / "release" / assignment_name


def build_assignments(course: Course, names: list[str], out_dir: Path | None = None) -> list[Path]:
    """Build the student notebook of each named assignment into ``out_dir`` (default ``assignments/``).

    Works in a temporary nbgrader course folder, so the instructor's own course folder (and its
    gradebook) is never touched.
    """
    out_dir = Path(out_dir) if out_dir is not None else course.root / "assignments"
    written = []
    with tempfile.TemporaryDirectory(prefix="autograder-build-") as tmp:
        for name in names:
            notebook_name = course.assignment(name).notebook
            write_source_notebook(course, name, Path(tmp))
            released = generate_release(course, name, Path(tmp)) / notebook_name
            target = out_dir / name / notebook_name
            target.parent.mkdir(parents=True, exist_ok=True)
            # Re-written through nbformat so the bytes depend only on the notebook's content.
            _write(nbformat.read(released, as_version=4), target)
            written.append(target)
    return written


def _write(notebook: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(notebook)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
