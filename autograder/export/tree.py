"""The one file tree every exported grader carries, and the pinned environment it runs in.

Gradescope's zip, PrairieLearn's question folder and the container image all hold the same tree
(:func:`build_tree`): the grader package, the course's secrets (reference solutions and hidden
suites, which the engines keep from students), the course.yaml being exported, pinned
requirements and a small manifest naming the assignment. The grader finds its course files next
to its own package (``autograder.config.REPO_ROOT``), so the tree is run from its root, exactly as
a checkout is. Example::

    build_tree(load_course(), "convolutions", Path("out/source"), engine="gradescope")
    # out/source/{autograder/, solutions/, tests/hidden/, course.yaml, pyproject.toml,
    #             requirements.txt, export.json}
"""
from __future__ import annotations

import json
import re
import shutil
import tomllib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from autograder.config import REPO_ROOT, Course, load_course, solutions_dir, use_course_language
from autograder.i18n import _i
from autograder.errors import ExportError  # noqa: F401 - raised here; imported from here by callers

#: What grading needs from the repository, copied as they are (the Dockerfile copies the same list).
REPOSITORY_PATHS = ("autograder", "solutions", "tests/hidden", "pyproject.toml")
#: Written by the export: the course being exported, the pinned environment, the manifest.
COURSE_FILE, REQUIREMENTS_FILE, MANIFEST_FILE = "course.yaml", "requirements.txt", "export.json"
#: Everything at the top of a tree, in order.
TREE_PATHS = REPOSITORY_PATHS + (COURSE_FILE, REQUIREMENTS_FILE, MANIFEST_FILE)
#: The secret part of a tree: nobody but the grader reads these.
SECRET_PATHS = ("solutions", "tests", COURSE_FILE, MANIFEST_FILE)
#: Build tooling the tree's editable install needs, pinned with the rest when present.
BUILD_REQUIREMENTS = ("setuptools",)
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis")


def build_tree(course: Course, assignment: str, dest: Path, *, engine: str) -> Path:
    """Write the grading tree for ``assignment`` into ``dest`` (created; must not exist or be empty)."""
    course.assignment(assignment)  # CourseConfigError for an unknown name
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise ExportError(_i("{path} already exists and is not empty", path=dest))
    dest.mkdir(parents=True, exist_ok=True)
    for relative in REPOSITORY_PATHS:
        # The reference is the course's (solutions/ beside its course file), as grading reads it.
        source = solutions_dir(course) if relative == "solutions" else REPO_ROOT / relative
        if not source.exists():
            raise ExportError(_i("{path} is missing: export from a complete checkout of the course", path=source))
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=_IGNORED, symlinks=False)
        else:
            shutil.copy2(source, target)
    course_text = course.source.read_text(encoding="utf-8")  # the course file given, whatever its name
    (dest / COURSE_FILE).write_text(course_text, encoding="utf-8")
    load_course(dest / COURSE_FILE).assignment(assignment)  # the copy is the course being exported
    (dest / REQUIREMENTS_FILE).write_text(requirements_text(), encoding="utf-8")
    manifest = {"assignment": assignment, "engine": engine, "grader_version": _version()}
    (dest / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return dest


def read_manifest(tree: Path = REPO_ROOT) -> dict:
    """The manifest of an exported tree (which assignment it grades); ExportError outside one."""
    path = Path(tree) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{path}: " + _i("not an exported grading tree ({problem})", problem=exc)) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("assignment"), str):
        raise ExportError(f"{path}: " + _i("the manifest names no assignment"))
    return manifest


def requirements_text() -> str:
    """requirements.txt pinning the grader's dependencies (and theirs) to the versions installed here.

    The exported grader then runs in the environment local grading ran in: same versions, same
    verdicts. Dependencies whose markers do not apply here (another platform) are kept with
    pyproject's specifier and their marker.
    """
    header = _i("# Pinned by `autograder export` from the environment that grades locally: installing\n"
                "# exactly these versions gives the exported grader the same verdicts.\n")
    return header + "\n".join(_pinned()) + "\n"


@lru_cache(maxsize=None)
def _pinned() -> tuple[str, ...]:
    return tuple(pinned_requirements())


def pinned_requirements() -> list[str]:
    """``name==version`` for pyproject's dependencies and everything they pull in, sorted by name."""
    from packaging.requirements import Requirement

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pending = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    pending += [Requirement(name) for name in BUILD_REQUIREMENTS if _installed(name)]
    pinned: dict[str, str] = {}
    expanded: set[tuple[str, str]] = set()  # (distribution, extra) whose requirements are queued
    while pending:
        requirement = pending.pop()
        key = _canonical(requirement.name)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            pinned.setdefault(key, str(requirement))
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise ExportError(_i("{name} is not installed here: run `make .venv/.installed` and export from that "
                                 "environment", name=requirement.name)) from None
        version = distribution.version
        if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
            raise ExportError(_i("installed {name} {version} does not satisfy pyproject's {requirement}",
                                 name=requirement.name, version=version, requirement=requirement))
        pinned[key] = f"{distribution.metadata['Name']}=={version}"
        for extra in ["", *sorted(requirement.extras)]:  # jsonschema[format-nongpl] pulls in more
            if (key, extra) in expanded:
                continue
            expanded.add((key, extra))
            for text in distribution.requires or ():
                child = Requirement(text)
                if child.marker is None or child.marker.evaluate({"extra": extra}):
                    child.marker = None  # it applies here; the pins are this platform's environment
                    pending.append(child)
    return [pinned[key] for key in sorted(pinned)]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _version() -> str:
    from autograder.grading.api import grader_version

    return grader_version()


def check_tree(tree: Path = REPO_ROOT) -> str:
    """Raise unless ``tree`` is an exported tree that loads; a one-line summary of what it grades."""
    assignment = read_manifest(tree)["assignment"]
    course = load_course(Path(tree) / COURSE_FILE)
    use_course_language(course)  # run on its own by the engine's setup: its line in the course's language
    spec = course.assignment(assignment)
    for relative in REPOSITORY_PATHS:
        if not (Path(tree) / relative).exists():
            raise ExportError(_i("{path} is missing", path=Path(tree) / relative))
    return _i("grading tree for {assignment}: parts {parts} ({points} points)", assignment=assignment,
              parts=", ".join(spec.parts), points=format(spec.max_score, "g"))
