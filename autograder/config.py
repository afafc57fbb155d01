"""course.yaml: its schema, and loading it with one clear message per mistake.

The shape of course.yaml is a contract (other tools read it): a ``course`` section, a
``grading`` section and an ``assignments`` list whose entries have ``name`` and ``parts``
(part name -> points). Example::

    course = load_course()                       # the repository's course.yaml
    course.assignment("convolutions").parts      # {'conv2d': 30, ...}
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

#: The repository root: course.yaml, solutions/ and tests/ live here.
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COURSE_FILE = REPO_ROOT / "course.yaml"


class CourseConfigError(Exception):
    """course.yaml is missing or wrong; the message names the file and what to fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatePenalty(_Strict):
    """Fraction of the score lost per day late (started days count whole), capped at ``max``."""

    per_day: float = Field(0.0, ge=0, le=1)
    max: float = Field(1.0, ge=0, le=1)


class CourseInfo(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    language: str = "es"
    seed: int = Field(ge=0)
    course_dir: Path = Path(".nbgrader/course")
    exchange: Path = Path(".nbgrader/exchange")
    timezone: str = "UTC"
    #: Optional roster: a CSV with nbgrader's ``db student import`` columns (id, first_name,
    #: last_name, email), relative to this file; release puts its names into the gradebook.
    roster: Optional[Path] = None


class SubmissionLimits(_Strict):
    """Caps on what a student hands the trusted side (collect, loading a submission).

    A file, a submission or an LMS archive beyond them is refused (with a note), never read
    whole: the trusted process's memory and disk stay bounded whatever a student uploads.
    """

    #: One file of a submission (a notebook with image outputs is a few MB).
    file_mb: float = Field(20, gt=0)
    #: Everything one student submits for one assignment.
    submission_mb: float = Field(50, gt=0)
    #: How many files (and folders) one submission may hold.
    files: int = Field(500, ge=1)
    #: An LMS zip's uncompressed total, counted while it is read (not from its headers).
    archive_mb: float = Field(2048, gt=0)
    #: An LMS zip's largest expansion of one entry (uncompressed / compressed bytes).
    compression_ratio: float = Field(200, gt=1)

    @property
    def file_bytes(self) -> int:
        return int(self.file_mb * 2**20)

    @property
    def submission_bytes(self) -> int:
        return int(self.submission_mb * 2**20)

    @property
    def archive_bytes(self) -> int:
        return int(self.archive_mb * 2**20)


#: When a student sees a test's result on Gradescope (its ``visibility`` values).
ResultVisibility = Literal["visible", "hidden", "after_due_date", "after_published"]


class Visibility(_Strict):
    """On grading engines that can hide results (Gradescope): each test kind's visibility, else ``default``."""

    default: ResultVisibility = "visible"
    by_kind: dict[str, ResultVisibility] = Field(default_factory=dict)

    def of(self, test_kind: str) -> str:
        return self.by_kind.get(test_kind, self.default)


class Grading(_Strict):
    call_timeout: float = Field(120, gt=0)
    submission_timeout: float = Field(900, gt=0)
    memory_mb: int = Field(6144, ge=256)
    max_processes: int = Field(64, ge=1)
    max_output_kb: int = Field(256, ge=1)
    # Bytes the trusted side accepts from a worker: one reply, and one submission in all.
    max_reply_mb: int = Field(256, ge=1)
    max_replies_mb: int = Field(4096, ge=1)
    test_weights: dict[str, float] = Field(default_factory=dict)
    submission_limits: SubmissionLimits = SubmissionLimits()
    visibility: Visibility = Visibility()

    @field_validator("test_weights")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in weights.items() if v <= 0]
        if bad:
            raise ValueError(f"weights must be > 0 (check {', '.join(bad)})")
        return weights

    def weight(self, test_kind: str) -> float:
        return self.test_weights.get(test_kind, 1.0)


class Report(_Strict):
    """The class report's optional settings (``report:`` in course.yaml; every key optional)."""

    #: Final scores below this fraction of the maximum are listed under "needs attention".
    attention_below: float = Field(0.5, ge=0, le=1)
    #: Two submissions whose own code (the released stub removed) shares at least this fraction
    #: of fingerprints are shown as a pair to look at: a lead, never a grade.
    similarity_threshold: float = Field(0.8, gt=0, le=1)


class Assignment(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    notebook: str = ""
    due: Optional[dt.datetime] = None
    late_penalty: LatePenalty = LatePenalty()
    parts: dict[str, float]

    @model_validator(mode="after")
    def _check(self) -> "Assignment":
        if not self.parts:
            raise ValueError(f"assignment {self.name!r} needs at least one part")
        for part, points in self.parts.items():
            if points < 0:
                raise ValueError(f"part {part!r} of {self.name!r} has negative points")
        if not self.notebook:
            self.notebook = f"{self.name}.ipynb"
        if not self.notebook.endswith(".ipynb"):
            raise ValueError(f"notebook of {self.name!r} must end in .ipynb")
        if self.due is not None and self.due.tzinfo is None:
            raise ValueError(f"due date of {self.name!r} needs a UTC offset, e.g. 2026-12-11T23:59:00-03:00")
        return self

    @property
    def max_score(self) -> float:
        return float(sum(self.parts.values()))


class Course(_Strict):
    course: CourseInfo
    grading: Grading = Grading()
    report: Report = Report()
    assignments: list[Assignment]
    #: Where this course.yaml lives; relative folders are resolved against it.
    root: Path = Field(default=REPO_ROOT, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> "Course":
        names = [a.name for a in self.assignments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"assignment names must be unique (repeated: {', '.join(dupes)})")
        return self

    def assignment(self, name: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        known = ", ".join(a.name for a in self.assignments)
        raise CourseConfigError(f"unknown assignment {name!r}; course.yaml defines: {known}")

    @property
    def course_dir(self) -> Path:
        return (self.root / self.course.course_dir).resolve()

    @property
    def exchange_dir(self) -> Path:
        return (self.root / self.course.exchange).resolve()

    @property
    def roster_file(self) -> Optional[Path]:
        return (self.root / self.course.roster).resolve() if self.course.roster else None

    def seed_for(self, assignment: str, salt: str = "hidden") -> int:
        """The Hypothesis seed of one assignment's suites: derived from course.yaml, never the clock."""
        digest = hashlib.sha256(f"{self.course.seed}:{assignment}:{salt}".encode()).digest()
        return int.from_bytes(digest[:4], "big")


def load_course(path: Path | str | None = None) -> Course:
    """Read and validate course.yaml; raise CourseConfigError naming the file and each mistake."""
    path = Path(path) if path is not None else DEFAULT_COURSE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CourseConfigError(f"{path}: cannot read the course file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CourseConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CourseConfigError(f"{path}: expected a mapping with 'course' and 'assignments' at the top")
    try:
        return Course(**data, root=path.resolve().parent)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  - {where}: {err['msg']}")
        raise CourseConfigError(f"{path}: {len(problems)} problem(s) to fix:\n" + "\n".join(problems)) from None
