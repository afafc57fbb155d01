"""The grader's fingerprint changes with every kind of file that can change a verdict, and only those.

Everything here runs on copies: the package and the hidden suites in a temporary "repository",
the course file and its solutions in a temporary course folder.
"""
from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import pytest

from autograder.config import REPO_ROOT, load_course
from autograder.grading import fingerprint
from autograder.grading.fingerprint import grader_fingerprint

ASSIGNMENT = "convolutions"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """(repo, course folder): the package, hidden suites and docs copied; a course with its own solutions."""
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(REPO_ROOT / "autograder", repo / "autograder", ignore=_IGNORE)
    shutil.copytree(REPO_ROOT / "tests" / "hidden", repo / "tests" / "hidden", ignore=_IGNORE)
    shutil.copytree(REPO_ROOT / "docs", repo / "docs")
    shutil.copy(REPO_ROOT / "README.md", repo / "README.md")
    folder = tmp_path_factory.mktemp("curso")
    shutil.copytree(REPO_ROOT / "solutions", folder / "solutions", ignore=_IGNORE)
    shutil.copy(REPO_ROOT / "course.yaml", folder / "mi-curso.yaml")
    return repo, folder


def _fingerprint(copies, device: str = "cpu") -> str:
    repo, folder = copies
    return grader_fingerprint(load_course(folder / "mi-curso.yaml"), ASSIGNMENT, device, repo_root=repo)


def _append(path: Path, text: str = "\n# editado\n"):
    original = path.read_bytes() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)
    return original


def _restore(path: Path, original) -> None:
    if original is None:
        path.unlink()
    else:
        path.write_bytes(original)


# (root, relative path): "repo" is the copied repository, "course" the course folder.
VERDICT_FILES = [
    ("repo", "autograder/grading/scoring.py"),          # the grading package
    ("repo", "autograder/grading/nuevo_modulo.py"),     # a module added tomorrow
    ("repo", "autograder/sandbox/worker.py"),           # the sandboxed worker
    ("repo", "autograder/strategies.py"),               # the strategies
    ("repo", "autograder/public/suites/test_convolutions.py"),  # the public suites (check())
    ("repo", "autograder/student_files.py"),
    ("repo", "autograder/content/reference.py"),        # IMPORT_HEADER, prepended to every submission
    ("repo", "tests/hidden/test_convolutions.py"),      # the hidden suite
    ("repo", "tests/hidden/module_checks.py"),          # what the hidden suites share
    ("repo", "tests/hidden/conftest.py"),
    ("course", "solutions/convolutions.py"),            # the reference
    ("course", "solutions/architectures.py"),           # another assignment's reference (may be imported)
]

IRRELEVANT_FILES = [
    ("repo", "README.md"),
    ("repo", "docs/ARCHITECTURE.md"),
    ("repo", "autograder/cli/grading.py"),              # presenting and recording: after the verdict
    ("repo", "autograder/workflow/class_report.py"),
    ("repo", "autograder/export/results.py"),
    ("repo", "autograder/grading/__pycache__/scoring.cpython-311.pyc"),
    ("course", "solutions/notebooks/convolutions.py"),  # the narrative: only `build` reads it
    ("course", "notas.txt"),
]


@pytest.mark.parametrize("root, relative", VERDICT_FILES)
def test_editing_a_file_that_can_change_a_verdict_changes_the_fingerprint(copies, root, relative):
    before = _fingerprint(copies)
    path = copies[0 if root == "repo" else 1] / relative
    original = _append(path)
    try:
        assert _fingerprint(copies) != before
    finally:
        _restore(path, original)
    assert _fingerprint(copies) == before


@pytest.mark.parametrize("root, relative", IRRELEVANT_FILES)
def test_an_irrelevant_file_leaves_the_fingerprint_alone(copies, root, relative):
    before = _fingerprint(copies)
    path = copies[0 if root == "repo" else 1] / relative
    original = _append(path)
    try:
        assert _fingerprint(copies) == before
    finally:
        _restore(path, original)


@pytest.mark.parametrize("old, new, changes", [
    ("call_timeout: 120", "call_timeout: 60", True),                            # the grading section
    ("matches_reference: 5", "matches_reference: 4", True),
    ("seed: 20261127", "seed: 1", True),                                        # the seed
    ("      conv2d: 30", "      conv2d: 25", True),                             # the assignment's points
    ("notebook: convolutions.ipynb", "notebook: convoluciones.ipynb", True),
    ("      center_crop: 20", "      center_crop: 25", False),                  # another assignment
    ("title: \"Convolución, pooling y convolución transpuesta\"", "title: \"Otra\"", False),
    ("due: 2026-12-11T23:59:00-03:00", "due: 2026-12-12T23:59:00-03:00", False),  # applied when recorded
    ("# Every Hypothesis draw", "# Each Hypothesis draw", False),              # a comment
])
def test_course_file_settings(copies, old, new, changes):
    path = copies[1] / "mi-curso.yaml"
    original = path.read_bytes()
    before = _fingerprint(copies)
    assert old in original.decode()
    path.write_text(original.decode().replace(old, new, 1), encoding="utf-8")
    try:
        assert (_fingerprint(copies) != before) is changes
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("package", fingerprint.PINNED)
def test_pinned_versions_and_device(copies, monkeypatch, package):
    before = _fingerprint(copies)
    assert _fingerprint(copies, device="cuda") != before
    real = metadata.version
    monkeypatch.setattr(fingerprint.metadata, "version",
                        lambda name: "0.0.0" if name == package else real(name))
    assert _fingerprint(copies) != before


def test_the_class_grading_uses_it():
    from autograder.workflow import grade_class

    assert grade_class.grader_fingerprint is grader_fingerprint
    assert "strategies.py" not in Path(grade_class.__file__).read_text(encoding="utf-8")
