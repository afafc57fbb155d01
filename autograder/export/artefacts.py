"""The three exports: a Gradescope autograder zip, a PrairieLearn question folder, an image's build context.

Each holds the same grading tree (tree.py) plus the few files its engine looks for; each runs the
same entrypoint (entry.py), which calls the same ``grade_submission`` as ``autograder grade``.
Example::

    export_gradescope(course, "convolutions", Path("autograder.zip"))
    export_prairielearn(course, "convolutions", Path("pl-questions"))   # pl-questions/<id>/info.json ...
    export_image(course, "convolutions", Path("image"))                 # docker build image/
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import uuid
import zipfile
from pathlib import Path

from autograder.config import REPO_ROOT, Course
from autograder.grading.api import KILL_GRACE_S
from autograder.export.tree import ExportError, build_tree
from autograder.i18n import _i

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Gradescope looks for these two at the root of the zip.
GRADESCOPE_SCRIPTS = ("setup.sh", "run_autograder")
#: PrairieLearn runs this from the question's tests/ folder (mounted at /grade/tests).
PRAIRIELEARN_ENTRYPOINT = "run_grader"
PRAIRIELEARN_ENTRYPOINT_PATH = f"/grade/tests/{PRAIRIELEARN_ENTRYPOINT}"
DEFAULT_IMAGE = "cnn-autograder:latest"
#: The image's build context: the Dockerfile, its entrypoint script, and the grading tree.
DOCKERFILE = REPO_ROOT / "container" / "Dockerfile"
IMAGE_CONTEXT = ("Dockerfile", "entrypoint", "source")
#: Seconds an engine gives one grading beyond the course's submission timeout (start-up, import).
ENGINE_MARGIN_S = 60


def engine_timeout(course: Course) -> int:
    """The wall-clock limit to give the engine: the grader's own limit plus its grace and start-up."""
    return int(course.grading.submission_timeout + KILL_GRACE_S + ENGINE_MARGIN_S)


def export_gradescope(course: Course, assignment: str, out: Path) -> Path:
    """autograder.zip: the tree at the root of the zip, with setup.sh and run_autograder beside it."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="autograder-export-") as tmp:
        tree = build_tree(course, assignment, Path(tmp) / "source", engine="gradescope")
        for name in GRADESCOPE_SCRIPTS:
            _copy_script(name, tree / name)
        out.parent.mkdir(parents=True, exist_ok=True)
        _zip_folder(tree, out)
    return out


def export_prairielearn(course: Course, assignment: str, out: Path, *, image: str = DEFAULT_IMAGE) -> Path:
    """A question folder ``out/<course>-<assignment>/``: info.json, question.html, tests/ (the tree)."""
    spec = course.assignment(assignment)
    question = Path(out) / f"{course.course.id}-{assignment}"
    if question.exists() and any(question.iterdir()):
        raise ExportError(_i("{path} already exists and is not empty", path=question))
    tree = build_tree(course, assignment, question / "tests", engine="prairielearn")
    _copy_script(PRAIRIELEARN_ENTRYPOINT, tree / PRAIRIELEARN_ENTRYPOINT)
    info = {
        # Stable across exports: PrairieLearn keys a question's history on its uuid.
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"autograder:{course.course.id}:{assignment}")),
        "title": spec.title or assignment,
        "topic": course.course.title,
        "tags": [course.course.id, assignment],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": PRAIRIELEARN_ENTRYPOINT_PATH,
            "timeout": engine_timeout(course),
            "enableNetworking": False,
        },
    }
    (question / "info.json").write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (question / "question.html").write_text(_question_html(spec), encoding="utf-8")
    return question


def export_image(course: Course, assignment: str, out: Path) -> Path:
    """The build context of the grading image: ``docker build -t NAME out`` (see container/Dockerfile)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ExportError(_i("{path} already exists and is not empty", path=out))
    build_tree(course, assignment, out / "source", engine="image")
    shutil.copy2(DOCKERFILE, out / "Dockerfile")
    _copy_script("entrypoint", out / "entrypoint")
    return out


def _copy_script(name: str, target: Path) -> None:
    shutil.copy2(TEMPLATES / name, target)
    os.chmod(target, 0o755)


def _zip_folder(folder: Path, out: Path) -> None:
    """Zip ``folder``'s contents (not the folder itself) keeping each file's mode (executables stay so)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or path.is_symlink():
                continue
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | stat.S_IMODE(path.stat().st_mode)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def _question_html(spec) -> str:
    notebook = spec.notebook
    parts = ", ".join(f"<code>{part}</code>" for part in spec.parts)
    upload = _i("Upload your notebook {notebook} (or a {py} file with your solutions): {parts} will be graded.",
                notebook=f"<code>{notebook}</code>", py="<code>.py</code>", parts=parts)
    isolated = _i("Your code runs in an isolated environment, with no network. Each test shows the smallest input "
                  "where your answer differs, what was expected and what it got.")
    return f"""<pl-question-panel>
  <p>{upload}</p>
  <p>{isolated}</p>
</pl-question-panel>

<!-- Any name is accepted: the grader finds the notebook or the .py among the uploaded files. -->
<pl-file-upload optional-file-names="*.ipynb, *.py"></pl-file-upload>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""
