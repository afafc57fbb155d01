"""One student's submission as collect found it, before it is installed in ``submitted/``.

Both sources (the nbgrader exchange, an LMS zip) turn what they read into :class:`Arrival`
objects: the student's id (checked by :func:`student_id_problem`), the files (already read
through :mod:`autograder.student_files`), and the evidence of when it was received.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

from autograder.i18n import _i

#: Characters a student id may hold besides letters and digits (never first).
ID_PUNCTUATION = frozenset("._@+- ")
ID_MAX_LENGTH = 64


@dataclass
class Arrival:
    student: str
    source: str                       # "exchange" or "lms_zip"
    origin: str                       # the inbound folder's name, or "<zip>: <entry>"
    digest: str                       # of what the student handed in (names and bytes)
    files: dict[str, bytes]           # what goes into submitted/ (timestamp.txt: the receipt's time)
    received_at: dt.datetime
    received_from: str
    notes: list[str] = field(default_factory=list)
    claimed: Optional[dt.datetime] = None
    latest_ctime: Optional[dt.datetime] = None
    first_seen: Optional[dt.datetime] = None
    refused: int = 0


def student_id_problem(student: str) -> Optional[str]:
    """Why ``student`` cannot be a student id (a folder name under ``submitted/`` and a CSV cell).

    Letters and digits (any script), and ``. _ @ + -`` and spaces inside; it starts with a letter
    or digit (so never ``.``, ``..``, ``=``, ``+``, ``-`` or ``@``) and ends with no space.
    """
    if not student:
        return _i("the student id is empty")
    if len(student) > ID_MAX_LENGTH:
        return _i("the student id is longer than {limit} characters", limit=ID_MAX_LENGTH)
    if unicodedata.normalize("NFC", student) != student:
        return _i("the student id is not in Unicode normal form (NFC)")
    if not student[0].isalnum() or student[-1] == " ":
        return _i("the student id must start with a letter or a digit")
    if ".." in student or any(not (c.isalnum() or c in ID_PUNCTUATION) for c in student):
        return _i("the student id has characters that are not allowed")
    return None
