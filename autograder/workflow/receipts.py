"""Collect's receipts: where each collected submission came from and when it was received.

A student writes everything inside a submission, ``timestamp.txt`` included; a receipt is what
collect itself recorded about it, in ``<course_dir>/receipts/<assignment>.json`` (the course
folder, which no student writes):

- ``received_at``, the time lateness is computed from: for the exchange, the earlier of the
  inbound folder's latest change time (``st_ctime``, over the whole tree: the kernel sets it and
  only root can set it back) and the moment collect first saw these exact bytes; for an LMS zip,
  the zip entry's own date (the LMS wrote it);
- ``claimed``, what ``timestamp.txt`` said (compared with ``received_at``, never used for it);
- ``digest`` of the files collected, and ``notes``: what was refused or chosen, for the student.

Example::

    receipts = read_receipts(course, "convolutions")
    receipts["ana"].received_at          # '2026-12-11T21:03:07.120000+00:00'
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Optional

from autograder.config import Course
from autograder.workflow.layout import receipts_path


@dataclass
class Receipt:
    source: str                      # "exchange" or "lms_zip"
    origin: str                      # the inbound folder's name, or "<zip>: <entry>"
    digest: str                      # of the files collected (names and bytes)
    received_at: str                 # ISO 8601, UTC: what lateness uses
    received_from: str               # how received_at was decided, for the instructor
    first_seen: Optional[str] = None
    latest_ctime: Optional[str] = None
    claimed: Optional[str] = None    # timestamp.txt, ISO 8601 UTC, when it could be read
    notes: list[str] = field(default_factory=list)
    refused: int = 0                 # files collect refused (a link, a device, an archive...)

    @property
    def received(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.received_at)

    @property
    def claimed_at(self) -> Optional[dt.datetime]:
        return dt.datetime.fromisoformat(self.claimed) if self.claimed else None


def read_receipts(course: Course, assignment: str) -> dict[str, Receipt]:
    """Every student's receipt of one assignment (none before the first collect)."""
    try:
        data = json.loads(receipts_path(course, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    fields = set(Receipt.__dataclass_fields__)
    receipts = {}
    for student, entry in data.items() if isinstance(data, dict) else ():
        try:
            receipt = Receipt(**{k: v for k, v in entry.items() if k in fields})
            receipt.received  # a receipt whose time does not parse is no receipt
        except (TypeError, ValueError, AttributeError):
            continue
        receipts[student] = receipt
    return receipts


def write_receipts(course: Course, assignment: str, receipts: dict[str, Receipt]) -> None:
    """Atomically (tmp + os.replace)."""
    path = receipts_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{assignment}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({s: asdict(r) for s, r in sorted(receipts.items())}, handle, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def files_digest(files: dict[str, bytes]) -> str:
    """Hash of a submission's files, names and bytes."""
    digest = hashlib.sha256()
    for relpath in sorted(files):
        digest.update(relpath.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(files[relpath]).digest())
    return digest.hexdigest()


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()
