"""Late penalties: course.yaml's rule applied to the time a submission was received.

Every started day after the due date costs ``per_day`` of the score, up to ``max``. Example::

    late_penalty(score=80, seconds_late=1.5 * 86400, rule=LatePenalty(per_day=0.1, max=0.5))
    # LateInfo(seconds_late=129600.0, days_late=2, fraction=0.2, penalty=16.0)

The time comes from what the student cannot write (:func:`submission_time`): collect's receipt
(the exchange folder's change time and when collect first saw it, or the LMS zip's own date).
nbgrader's ``timestamp.txt`` is the student's own file: it is only compared with the receipt,
and a disagreement beyond :data:`TIMESTAMP_TOLERANCE` is flagged (``timestamp_mismatch``).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

from autograder.config import LatePenalty, SubmissionLimits
from autograder.i18n import _i
from autograder.grading.report import Flag, Late
from autograder.student_files import Refused, read_file

#: How far timestamp.txt may be from the receipt before the submission is flagged.
TIMESTAMP_TOLERANCE = dt.timedelta(minutes=5)
#: A timestamp.txt is a line; anything longer is not one.
TIMESTAMP_MAX_BYTES = 256

# nbgrader's "%Y-%m-%d %H:%M:%S.%f %Z" (the zone: UTC, an abbreviation or a numeric offset), or ISO 8601.
_NBGRADER_STAMP = re.compile(
    r"(?P<when>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
    r"(?:\s*(?P<zone>Z|UTC|GMT|[A-Za-z]{2,5}|[+-]\d{2}(?::?\d{2})?))?")


@dataclass(frozen=True)
class LateInfo:
    seconds_late: float
    days_late: int
    fraction: float
    penalty: float

    def as_dict(self) -> dict:
        return asdict(self)

    def as_report_late(self) -> Late:
        """The report's :class:`~autograder.grading.report.Late` (validated: finite, never negative)."""
        return Late(**self.as_dict())


def late_penalty(score: float, seconds_late: float, rule: LatePenalty) -> LateInfo:
    """Points lost by a submission ``seconds_late`` after the due date (on time: nothing)."""
    days = math.ceil(seconds_late / 86400) if seconds_late > 0 else 0
    fraction = min(rule.max, days * rule.per_day)
    return LateInfo(max(0.0, float(seconds_late)), days, fraction, round(score * fraction, 6))


def seconds_late(submitted_at: Optional[dt.datetime], due: Optional[dt.datetime]) -> float:
    """Seconds between the due date and the submission (negative when early; 0 when either is unknown)."""
    if submitted_at is None or due is None:
        return 0.0
    return (as_utc(submitted_at) - as_utc(due)).total_seconds()


def parse_timestamp(text: str, *, unknown_zone_as_utc: bool = False) -> Optional[dt.datetime]:
    """An aware UTC datetime from nbgrader's timestamp format (or ISO 8601); None if it is not one.

    Strict on purpose: nbgrader's own ``parse_utc`` hands the zone to ``dateutil.tz.gettz``, which
    opens any path it is given, so a student's ``timestamp.txt`` never goes there. A zone
    abbreviation that is not a known zone name (``CEST``) gives None, or UTC with
    ``unknown_zone_as_utc`` (good enough to order one student's folders).
    """
    match = _NBGRADER_STAMP.fullmatch(text.strip())
    if match is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(match["when"].replace(" ", "T"))
        zone = match["zone"]
        if zone is None or zone in ("Z", "UTC", "GMT"):
            return moment.replace(tzinfo=dt.timezone.utc)
        if zone[0] in "+-":
            digits = zone[1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            return moment.replace(tzinfo=dt.timezone(offset if zone[0] == "+" else -offset)).astimezone(dt.timezone.utc)
        try:
            return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.timezone.utc)  # letters only: never a path
        except (KeyError, ValueError, OSError):
            return moment.replace(tzinfo=dt.timezone.utc) if unknown_zone_as_utc else None
    except (ValueError, OverflowError):
        return None


def format_timestamp(moment: dt.datetime) -> str:
    """nbgrader's timestamp format, in UTC."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def read_timestamp(submission_folder: Path) -> Optional[dt.datetime]:
    """The aware UTC time in a submission's ``timestamp.txt`` (read as a student file), if any."""
    try:
        data = read_file(Path(submission_folder), "timestamp.txt", SubmissionLimits(), cap=TIMESTAMP_MAX_BYTES)
    except Refused:
        return None
    try:
        return parse_timestamp(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class SubmissionTime:
    """When a submission was handed in, by what evidence, and what its timestamp.txt claimed."""

    at: Optional[dt.datetime]
    source: str
    claimed: Optional[dt.datetime] = None
    flags: list[Flag] = field(default_factory=list)


def submission_time(received_at: Optional[dt.datetime], received_from: str,
                    claimed: Optional[dt.datetime]) -> SubmissionTime:
    """The time lateness is computed from: collect's receipt; timestamp.txt only without one."""
    if received_at is None:
        if claimed is None:
            return SubmissionTime(None, _i("no date"))
        flag = Flag(part=None, kind="timestamp_unverified",
                    message=_i("There is no `collect` receipt for this submission: its time was taken from "
                               "timestamp.txt, a file of the submission itself."))
        return SubmissionTime(claimed, _i("timestamp.txt (no collect receipt)"), claimed, [flag])
    flags = []
    if claimed is not None and abs(claimed - received_at) > TIMESTAMP_TOLERANCE:
        flags.append(Flag(part=None, kind="timestamp_mismatch",
                          message=_i("timestamp.txt says {claimed}, but the submission was received on {received} "
                                     "({how}); lateness is computed from when it was received.",
                                     claimed=_shown(claimed), received=_shown(received_at), how=received_from)))
    return SubmissionTime(received_at, received_from, claimed, flags)


def _shown(moment: dt.datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def as_utc(moment: dt.datetime) -> dt.datetime:
    # nbgrader keeps naive datetimes meaning UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
