"""``collect --zip``: an LMS's zip of submissions, one notebook per student, read entry by entry.

Inside the zip each notebook is ``<student>/<notebook>`` or ``<student>_<notebook>`` (e.g.
``ana/convolutions.ipynb``, ``ana_convolutions.ipynb``): the student is the entry's first path
component, so nothing inside one student's folder can speak for another. Every entry is judged
alone, and one that cannot be taken is skipped with one line (which entry, why):

- a path that is absolute, has ``..``, a backslash, a drive letter or odd characters; a symlink
  or special entry; an encrypted entry; a folder deeper than ``<student>/<notebook>``;
- a name that maps to no valid student id (``..``, ``.``, empty, punctuation first...);
- anything but a ``.ipynb``; an archive (by name or first bytes): nested archives are never opened;
- a zip bomb: the header's sizes are checked first, then the bytes actually decompressed, while
  streaming, against ``grading.submission_limits`` (each file, the archive's total, the ratio);
  memory holds at most one file.

Two notebooks of one student: the newest by the zip's own dates wins, with a note. That date
(the LMS wrote it; a student cannot) is the submission's receipt: the extended-timestamp field
(UTC) when the entry has one, else the DOS date read in the course's time zone. Nothing is
extracted in place and the zip is not copied into the course folder, so a bad archive leaves no
state behind. Example::

    skipped = []
    arrivals = zip_arrivals(course, "convolutions", Path("moodle.zip"), skipped)
    skipped    # ['../x_convolutions.ipynb: ruta insegura (..)', ...]
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from autograder.config import Course, SubmissionLimits
from autograder.i18n import _i
from autograder.errors import ZipCollectError  # noqa: F401 - raised here; imported from here by callers
from autograder.student_files import is_archive_name, looks_like_archive, megabytes, shown_name, valid_name
from autograder.workflow.arrival import Arrival, student_id_problem
from autograder.workflow.late import format_timestamp

#: More entries than this and the zip is refused whole (zipfile holds the whole central directory).
MAX_ENTRIES = 100_000
#: Files this small are never refused for their compression ratio.
RATIO_FLOOR_BYTES = 1 << 20
_CHUNK = 1 << 16
_EXTENDED_TIMESTAMP = 0x5455
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass
class _Candidate:
    info: zipfile.ZipInfo
    student: str
    filename: str
    date: dt.datetime


class _Budget:
    """The archive's uncompressed bytes, counted as they are decompressed."""

    def __init__(self, total: int):
        self.total, self.used = total, 0


class _Skip(Exception):
    pass


def zip_arrivals(course: Course, name: str, lms_zip: Path, skipped: list[str]) -> list[Arrival]:
    """One arrival per student with a readable notebook in ``lms_zip``; a line in ``skipped`` per other entry."""
    if not lms_zip.is_file():
        raise ZipCollectError(_i("the zip {path} does not exist", path=lms_zip))
    limits = course.grading.submission_limits
    zone = ZoneInfo(course.course.timezone)
    notebook = course.assignment(name).notebook
    try:
        archive = zipfile.ZipFile(lms_zip)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ZipCollectError(_i("{name} is not a readable zip ({problem}): nothing was collected",
                                 name=lms_zip.name, problem=exc)) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ZipCollectError(_i("{name} has {count} entries (at most {limit}): nothing was collected",
                                     name=lms_zip.name, count=len(infos), limit=MAX_ENTRIES))
        by_student: dict[str, list[_Candidate]] = {}
        for info in infos:
            if info.is_dir():
                continue
            try:
                student, filename = _entry_student(info, limits)
            except _Skip as why:
                skipped.append(f"{shown_name(info.filename)}: {why}")
                continue
            by_student.setdefault(student, []).append(_Candidate(info, student, filename, entry_date(info, zone)))
        budget = _Budget(limits.archive_bytes)
        arrivals = []
        for student, candidates in sorted(by_student.items()):
            arrival = _newest_readable(archive, lms_zip.name, notebook, candidates, limits, budget, skipped)
            if arrival is not None:
                arrivals.append(arrival)
    return arrivals


def _entry_student(info: zipfile.ZipInfo, limits: SubmissionLimits) -> tuple[str, str]:
    """The student an entry belongs to and its file name, or _Skip with why it is not taken."""
    name = info.filename
    if any(not c.isprintable() for c in name) or len(name) > 1024:
        raise _Skip(_i("unsafe path (characters that are not allowed)"))
    if name.startswith("/") or "\\" in name or _DRIVE.match(name):
        raise _Skip(_i("unsafe path (absolute or Windows)"))
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise _Skip(_i("unsafe path (.. or empty components)"))
    if parts[0] == "__MACOSX" or parts[-1].startswith("._"):
        raise _Skip(_i("macOS metadata, not a submission"))
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise _Skip(_i("it is a symbolic link"))
    if kind not in (0, stat.S_IFREG):
        raise _Skip(_i("it is not a regular file"))
    if info.flag_bits & 0x1:
        raise _Skip(_i("it is encrypted"))
    if len(parts) == 2:
        student, filename = parts
    elif len(parts) == 1 and "_" in name:
        student, filename = name.split("_", 1)
    elif len(parts) == 1:
        raise _Skip(_i("it does not say whose it is (expected <student>/<notebook> or <student>_<notebook>)"))
    else:
        raise _Skip(_i("it is in a subfolder (expected <student>/<notebook> or <student>_<notebook>)"))
    problem = student_id_problem(student)
    if problem:
        raise _Skip(problem)
    if not valid_name(filename):
        raise _Skip(_i("file name not allowed"))
    if is_archive_name(filename):
        raise _Skip(_i("it is an archive inside the zip: it is not unpacked"))
    if not filename.lower().endswith(".ipynb"):
        raise _Skip(_i("it is not a .ipynb notebook"))
    if info.file_size > limits.file_bytes:
        raise _Skip(_i("unpacked it would weigh {size}; the maximum is {limit}", size=megabytes(info.file_size),
                       limit=megabytes(limits.file_bytes)))
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.compression_ratio * max(info.compress_size, 1):
        raise _Skip(_i("it would expand more than {ratio} times (a zip bomb?)", ratio=format(limits.compression_ratio, "g")))
    return student, filename


def _newest_readable(archive: zipfile.ZipFile, zip_name: str, notebook: str, candidates: list[_Candidate],
                     limits: SubmissionLimits, budget: _Budget, skipped: list[str]) -> Arrival | None:
    """The student's newest entry that reads within the caps (older ones: a line each)."""
    candidates = sorted(candidates, key=lambda c: (c.date, c.info.filename), reverse=True)
    notes: list[str] = []
    for i, candidate in enumerate(candidates):
        entry = shown_name(candidate.info.filename)
        try:
            data = _read_entry(archive, candidate.info, limits, budget)
        except _Skip as why:
            skipped.append(f"{entry}: {why}")
            notes.append(_i("The file «{entry}» of the zip could not be taken: {why}.", entry=entry, why=why))
            continue
        for older in candidates[i + 1:]:
            skipped.append(f"{shown_name(older.info.filename)}: " + _i(
                "another submission of {student}, older than {entry}; the newest was taken",
                student=candidate.student, entry=entry))
        if len(candidates) > 1:
            notes.append(_i("The zip held {count} notebooks of yours; «{entry}» was graded, the newest by the "
                            "zip's dates.", count=len(candidates), entry=entry))
        if candidate.filename != notebook:
            notes.append(_i("«{entry}» was saved as {notebook}.", entry=entry, notebook=notebook))
        files = {notebook: data, "timestamp.txt": format_timestamp(candidate.date).encode("ascii")}
        return Arrival(candidate.student, "lms_zip", f"{zip_name}: {candidate.info.filename}",
                       hashlib.sha256(data).hexdigest(), files,
                       candidate.date, _i("date of the entry in the LMS zip"), notes, refused=i)
    return None


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: SubmissionLimits, budget: _Budget) -> bytes:
    """The entry's bytes, decompressed in chunks and counted as they come (never trusting the header)."""
    if budget.used >= budget.total:
        raise _Skip(_i("the zip exceeds {limit} unpacked in all; it was not read", limit=megabytes(budget.total)))
    chunks, size = [], 0
    try:
        with archive.open(info) as source:
            while True:
                chunk = source.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                budget.used += len(chunk)
                if size > limits.file_bytes:
                    raise _Skip(_i("unpacked it weighs more than {limit}, the maximum", limit=megabytes(limits.file_bytes)))
                if size > RATIO_FLOOR_BYTES and size > limits.compression_ratio * max(info.compress_size, 1):
                    raise _Skip(_i("it expands more than {ratio} times (a zip bomb?)",
                                   ratio=format(limits.compression_ratio, "g")))
                if budget.used > budget.total:
                    raise _Skip(_i("the zip exceeds {limit} unpacked in all; it was not read",
                                   limit=megabytes(budget.total)))
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        raise _Skip(_i("damaged zip entry ({error})", error=type(exc).__name__)) from None
    data = b"".join(chunks)
    if looks_like_archive(data[:262]):
        raise _Skip(_i("it is an archive named as a notebook: it is not unpacked"))
    return data


def entry_date(info: zipfile.ZipInfo, zone: dt.tzinfo) -> dt.datetime:
    """When the LMS says the entry was written: its extended timestamp (UTC) or its DOS date in ``zone``."""
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body, extra = extra[4:4 + size], extra[4 + size:]
        if kind == _EXTENDED_TIMESTAMP and len(body) >= 5 and body[0] & 0x1:
            return dt.datetime.fromtimestamp(struct.unpack("<i", body[1:5])[0], dt.timezone.utc)
    try:
        return dt.datetime(*info.date_time, tzinfo=zone).astimezone(dt.timezone.utc)
    except ValueError:  # a DOS date of zeros
        return dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)


def extended_timestamp(moment: dt.datetime) -> bytes:
    """The extra field that gives an entry its UTC modification time (what :func:`entry_date` reads first)."""
    return struct.pack("<HHBi", _EXTENDED_TIMESTAMP, 5, 0x1, int(moment.timestamp()))
