"""The grader's fingerprint: a hash of everything besides the submission that can change a verdict.

A class's cached report is reused only while its fingerprint is the same (``workflow/grade_class.py``),
so whatever can change a test's outcome or a score must be in it. It is computed from folders, not
from a list of files, so a new module, suite helper or strategy file is covered the day it is added:

- the ``autograder`` package, every file (code, public suites, strategies, package data), except the
  layers above grading (:data:`AFTER_THE_VERDICT`): grading never imports them (the layering rule),
  so they cannot change a verdict, and editing the CLI or the class report does not regrade a class;
- the hidden suites' folder (``tests/hidden/``: suites, ``module_checks.py``, conftest);
- the course's reference solutions (``solutions/`` beside the course file, and the repository's,
  which the suites import), without the notebooks' narratives, which only ``build`` reads;
- course.yaml's seed and ``grading`` section, and the assignment's ``name``, ``notebook`` and
  ``parts`` (its title, due date and late penalty are applied when a report is recorded, every run);
- the installed versions of Python, torch, numpy, hypothesis and pytest, and the device.

Example::

    grader_fingerprint(load_course(), "convolutions")   # '3f1c...' (64 hex digits)
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

from autograder.config import REPO_ROOT, Course

#: The package's folders and modules that run only after grading (presenting, recording, exporting).
AFTER_THE_VERDICT = frozenset({"workflow", "export", "cli"})
#: Folders of the solutions that grading never reads (the notebooks' Spanish narratives).
NOT_GRADED_SOLUTIONS = frozenset({"notebooks"})
#: Distributions whose version can change a verdict (pinned in pyproject.toml).
PINNED = ("torch", "numpy", "hypothesis", "pytest")
#: Never part of what a grader is: caches written by Python and tools.
_CACHES = frozenset({"__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"})


def grader_fingerprint(course: Course, assignment: str, device: str = "cpu", *, repo_root: Path = REPO_ROOT) -> str:
    """Hash of everything besides the submission that decides a report (see the module doc).

    ``repo_root`` is where the package and the hidden suites are read (a copy, in tests).
    """
    spec = course.assignment(assignment)
    digest = hashlib.sha256()
    for label, folder, skip in verdict_folders(course, repo_root):
        _hash_folder(digest, label, folder, skip)
    settings = {
        "seed": course.course.seed,
        "grading": course.grading.model_dump(mode="json"),
        "assignment": spec.model_dump(mode="json", include={"name", "notebook", "parts"}),
        "device": device,
        "versions": versions(),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def verdict_folders(course: Course, repo_root: Path = REPO_ROOT) -> list[tuple[str, Path, frozenset[str]]]:
    """(label, folder, names skipped at its top) of every folder whose files can change a verdict."""
    folders = [
        ("package", repo_root / "autograder", AFTER_THE_VERDICT),
        ("hidden", repo_root / "tests" / "hidden", frozenset()),
        ("solutions", course.root / "solutions", NOT_GRADED_SOLUTIONS),
    ]
    repo_solutions = repo_root / "solutions"
    if repo_solutions.resolve() != (course.root / "solutions").resolve():
        folders.append(("repository solutions", repo_solutions, NOT_GRADED_SOLUTIONS))
    return folders


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PINNED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def _hash_folder(digest, label: str, folder: Path, skip: frozenset[str]) -> None:
    """Names (relative) and bytes of every file under ``folder``, in a fixed order."""
    digest.update(f"\0{label}\0".encode())
    root = folder.resolve()
    if not root.is_dir():
        digest.update(b"absent")
        return
    for current, dirs, files in os.walk(root):
        here = Path(current)
        top = here == root
        dirs[:] = sorted(d for d in dirs if d not in _CACHES and not (top and d in skip))
        for name in sorted(files):
            if (top and name in skip) or name.endswith((".pyc", ".pyo")):
                continue
            file = here / name
            relative = file.relative_to(root).as_posix()
            try:
                content = file.read_bytes()
            except OSError as exc:  # an unreadable file still changes the fingerprint when it changes
                content = f"unreadable:{exc.strerror}".encode()
            digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256(content).digest())
