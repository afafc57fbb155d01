"""The grading report: one typed model of what ``grade_submission`` found, and of what the class
grading adds to it (the submission's receipt, its late penalty, the final score).

Built in one place (``grading/api.py``: :meth:`Report.graded`, from the scores of ``scoring.py``;
``workflow/grade_class.py``'s ``failed_report`` for a run the grader could not finish) and read
as objects by every reader: the summary table, the feedback pages, the class report, the
gradebook, the exports and ``check()``'s printout. Its JSON (:meth:`Report.to_json`) is the
contract of ``autograder grade`` (docs/ARCHITECTURE.md, "Report"): keys in this order, the
class grading's keys only once it has set them.

Validated strictly on construction and when read back from disk (:meth:`Report.from_json`):
strings are strings, booleans are booleans, every number is finite (a NaN or an infinity is
refused), scores and points are never negative, a status or flag kind is one of the known ones.
Every string came from the student or through the student's code (messages, notes, cell names):
it is only ever shown (escaped by the pages), never parsed for structure. Keys a report does not
define (an older or newer grader's) are ignored when it is read back. Example::

    report = Report.from_json(json.loads(path.read_text()))     # ReportError if it is not one
    report.parts["conv2d"].tests[0].message, report.failed_tests()
"""
from __future__ import annotations

from typing import Annotated, Any, Iterator, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: A number of points or seconds: finite and never negative.
Points = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Seconds = Annotated[float, Field(allow_inf_nan=False)]

#: How a grading ended: every part graded, the notebook did not load, the time ran out, or the
#: grader itself failed (the class grading's ``failed_report``; regraded on the next run).
Status = Literal["graded", "load_error", "timeout", "error"]
#: Why a report is flagged for review (scoring.py, api.py, workflow/late.py, workflow/grade_class.py).
FlagKind = Literal["banned_op", "tampering", "static_scan", "timeout", "crash", "timestamp_mismatch",
                   "timestamp_unverified", "refused_file"]
#: Where a failing generated-input test's input came from (grading/plugin.py).
InputOrigin = Literal["shrunk", "explicit", "shrink_timeout"]

#: The keys the class grading adds (absent from ``autograder grade``'s JSON until it sets them).
CLASS_KEYS = ("submission", "late", "final_score", "record_error")


class ReportError(ValueError):
    """A dict that is not a valid report (a type, a non-finite number, an unknown status...)."""

    @classmethod
    def of(cls, exc: ValidationError) -> "ReportError":
        """The first few of pydantic's complaints, one line (never the offending values themselves)."""
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        return cls(f"{exc.error_count()} problem(s): {where}")


class _Model(BaseModel):
    # strict: no "30" for 30, no 1 for True; extra keys of a report read back are dropped.
    model_config = ConfigDict(strict=True, extra="ignore", validate_assignment=True)


class TestResult(_Model):
    """One test of a part: its outcome, its student-facing message and its share of the points."""

    __test__ = False  # not a pytest test class

    name: str
    passed: bool
    message: str = ""
    kind: str = ""
    points: Points = 0.0
    max_points: Points = 0.0
    input: Optional[InputOrigin] = None


class PartResult(_Model):
    """One part (course.yaml's points): its score, its tests, and where its code came from."""

    score: Points
    max_score: Points
    not_implemented: bool = False
    tests: list[TestResult] = Field(default_factory=list)
    #: The cells its definition and helpers came from, and notes about it (grading/submission.py).
    cells: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def failed(self) -> list[TestResult]:
        return [test for test in self.tests if not test.passed]


class Flag(_Model):
    """A reason for the instructor to look (never a change of score by itself)."""

    part: Optional[str] = None
    kind: FlagKind
    message: str = ""


class SubmissionInfo(_Model):
    """Which submission the class grading graded, under which cache key, received when and how."""

    student: str
    cache_key: str
    timestamp: Optional[str] = None
    claimed_timestamp: Optional[str] = None
    received_from: Optional[str] = None
    collect_notes: list[str] = Field(default_factory=list)


class Late(_Model):
    """The late penalty the class grading computed (workflow/late.py)."""

    seconds_late: Points = 0.0
    days_late: Annotated[int, Field(ge=0)] = 0
    fraction: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    penalty: Points = 0.0


class Report(_Model):
    """The report of one submission (see module doc)."""

    assignment: str
    status: Status = "graded"
    score: Points
    max_score: Points
    parts: dict[str, PartResult]
    flags: list[Flag] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    load_error: Optional[str] = None
    sandbox: Optional[str] = None
    #: What was verified of the worker's lockdown from outside (sandbox/client.py).
    lockdown: dict[str, bool | int] = Field(default_factory=dict)
    device: str = "cpu"
    seed: Optional[int] = None
    profile: Optional[str] = None
    grader_version: Optional[str] = None
    #: Seconds each step took (None: that step did not happen); the only part that varies between runs.
    timings: dict[str, Optional[Seconds]] = Field(default_factory=dict)
    # --- set by the class grading (workflow/grade_class.py) ---
    submission: Optional[SubmissionInfo] = None
    late: Optional[Late] = None
    final_score: Optional[Points] = None
    #: Why the class grading could not record this result (the gradebook or the disk failed).
    record_error: Optional[str] = None

    @classmethod
    def from_json(cls, data: Any) -> "Report":
        """A report from its JSON form (e.g. read back from disk); :class:`ReportError` if it is not one."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ReportError.of(exc) from None

    def to_json(self) -> dict:
        """The JSON form: every key in the model's order, the class grading's only once set."""
        data = self.model_dump(mode="json")
        for key in CLASS_KEYS:
            if data[key] is None:
                del data[key]
        return data

    def tests(self) -> Iterator[tuple[str, TestResult]]:
        """(part, test) for every test, in the report's order."""
        for part, result in self.parts.items():
            for test in result.tests:
                yield part, test

    def failed_tests(self) -> Iterator[tuple[str, TestResult]]:
        return ((part, test) for part, test in self.tests() if not test.passed)

    @property
    def final(self) -> float:
        """The score after the late penalty (the score itself before the class grading set one)."""
        if self.final_score is not None:
            return self.final_score
        return max(0.0, self.score - (self.late.penalty if self.late else 0.0))

    def part_score(self, part: str) -> float:
        """The score of ``part``; 0 when the report does not have it."""
        result = self.parts.get(part)
        return result.score if result is not None else 0.0

    def flag_kinds(self) -> list[str]:
        """The kinds of this report's flags, each once, in order."""
        return list(dict.fromkeys(flag.kind for flag in self.flags))
