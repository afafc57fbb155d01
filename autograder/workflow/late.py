"""Late penalties: course.yaml's rule applied to nbgrader's submission timestamp.

Every started day after the due date costs ``per_day`` of the score, up to ``max``. Example::

    late_penalty(score=80, seconds_late=1.5 * 86400, rule=LatePenalty(per_day=0.1, max=0.5))
    # LateInfo(seconds_late=129600.0, days_late=2, fraction=0.2, penalty=16.0)
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from nbgrader.utils import parse_utc

from autograder.config import LatePenalty


@dataclass(frozen=True)
class LateInfo:
    seconds_late: float
    days_late: int
    fraction: float
    penalty: float

    def as_dict(self) -> dict:
        return asdict(self)


def late_penalty(score: float, seconds_late: float, rule: LatePenalty) -> LateInfo:
    """Points lost by a submission ``seconds_late`` after the due date (on time: nothing)."""
    days = math.ceil(seconds_late / 86400) if seconds_late > 0 else 0
    fraction = min(rule.max, days * rule.per_day)
    return LateInfo(max(0.0, float(seconds_late)), days, fraction, round(score * fraction, 6))


def seconds_late(submitted_at: Optional[dt.datetime], due: Optional[dt.datetime]) -> float:
    """Seconds between the due date and the submission (negative when early; 0 when either is unknown)."""
    if submitted_at is None or due is None:
        return 0.0
    return (_as_utc(submitted_at) - _as_utc(due)).total_seconds()


def read_timestamp(submission_folder: Path) -> Optional[dt.datetime]:
    """The aware UTC time in nbgrader's ``timestamp.txt`` of a collected submission, if any."""
    path = Path(submission_folder) / "timestamp.txt"
    if not path.is_file():
        return None
    try:
        return _as_utc(parse_utc(path.read_text(encoding="utf-8").strip()))
    except (ValueError, OverflowError):
        return None


def _as_utc(moment: dt.datetime) -> dt.datetime:
    # nbgrader keeps naive datetimes meaning UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)
