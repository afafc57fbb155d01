"""``autograder collect ASSIGNMENT [--zip Z]``: submissions into ``<course_dir>/submitted/<student>/<assignment>/``.

Two sources, one rule: a bad entry costs its own student only. Whatever one student hands in,
collect takes everyone else's submission, prints one line per thing it skipped (which file, why),
never aborts the class and never leaves anything behind that a later collect would trip on.

- **The exchange** (nbgrader's layout, ``<exchange>/<course>/inbound/<student>+<assignment>+<timestamp>+<random>/``):
  each student's latest folder (by the timestamp in its name, as nbgrader's collect) is read
  through :mod:`autograder.student_files` and copied by us, not by nbgrader's collect, which
  follows symlinks: a symlink, FIFO, device, hard link, archive or oversized file is refused with
  a note in that student's report and nothing of it is read or copied. A folder whose name is
  not a valid student id, or that another user made (one student cannot submit for another),
  is skipped with one line. ``timestamp.txt`` in ``submitted/`` holds the receipt's time, so
  nbgrader's own tools (formgrader, export) agree with the late penalty.
- **An LMS zip** (``--zip``): see :mod:`autograder.workflow.lms_zip`.

Each collected submission gets a receipt (:mod:`autograder.workflow.receipts`): when it was
received, from what the student cannot write. A submission replaces the one already in
``submitted/`` only when it is new (other bytes) and not older; the swap is atomic (staged in
``<course_dir>/.collect/``, then renamed into place). Every collected student is added to the
gradebook, as nbgrader's autograde would. Example::

    collect_assignment(course, "convolutions")                       # from the exchange
    collect_assignment(course, "convolutions", lms_zip=Path("moodle.zip"))
"""
from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from autograder.config import Course
from autograder.i18n import _i
from autograder.student_files import Refused, scan, shown_name, write_tree
from autograder.workflow.arrival import Arrival, student_id_problem
from autograder.workflow.late import TIMESTAMP_MAX_BYTES, format_timestamp, parse_timestamp
from autograder.workflow.nbgrader_setup import open_gradebook, prepare_folders
from autograder.workflow.layout import collect_staging, submission_dir, submitted_root
from autograder.workflow.receipts import Receipt, files_digest, iso, read_receipts, write_receipts

#: nbgrader's bookkeeping files inside a submission.
TIMESTAMP_FILE = "timestamp.txt"


@dataclass
class Collected:
    """What one collect did: students installed or updated, unchanged, and one line per skip."""

    assignment: str
    collected: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self, folder: Path, students: list[str]) -> str:
        lines = [_i("{count} submissions of {assignment} collected in {folder}: {students}", count=len(students),
                    assignment=repr(self.assignment), folder=folder, students=", ".join(students) or _i("(none collected)"))]
        if self.collected or self.unchanged:
            lines[0] += _i(" ({new} new or updated, {unchanged} unchanged)", new=len(self.collected),
                           unchanged=len(self.unchanged))
        lines += ["  " + _i("skipped: {line}", line=line) for line in self.skipped]
        return "\n".join(lines)


def collect_assignment(course: Course, name: str, lms_zip: Optional[Path] = None) -> str:
    """Collect one assignment's submissions; return a summary (in the course's language), one line per skip."""
    result = collect(course, name, lms_zip)
    return result.summary(submitted_root(course), collected_students(course, name))


def collect(course: Course, name: str, lms_zip: Optional[Path] = None, *,
            now: Optional[dt.datetime] = None) -> Collected:
    """Collect from the exchange (or from ``lms_zip``) into ``submitted/``; see the module doc."""
    course.assignment(name)  # an unknown name fails here, with the list of known ones
    prepare_folders(course)
    now = now or dt.datetime.now(dt.timezone.utc)
    result = Collected(name)
    receipts = read_receipts(course, name)
    if lms_zip is None:
        arrivals = exchange_arrivals(course, name, receipts, now, result.skipped)
    else:
        from autograder.workflow.lms_zip import zip_arrivals

        arrivals = zip_arrivals(course, name, Path(lms_zip), result.skipped)
    for arrival in arrivals:
        previous = receipts.get(arrival.student)
        if previous is not None and previous.digest == arrival.digest and previous.origin == arrival.origin \
                and submission_dir(course, name, arrival.student).is_dir():
            result.unchanged.append(arrival.student)
            receipts[arrival.student] = receipt_for(arrival)
            continue
        if previous is not None and previous.received > arrival.received_at:
            result.skipped.append(f"{shown_name(arrival.origin)}: " + _i(
                "{student} already has a submission received later ({origin}); that one is kept",
                student=arrival.student, origin=previous.origin))
            continue
        try:
            install(course, name, arrival.student, arrival.files)
        except OSError as exc:  # our own disk: the grader's problem, reported, never the others' loss
            result.skipped.append(f"{shown_name(arrival.origin)}: " + _i("could not be copied to submitted/ ({reason})",
                                                                         reason=exc.strerror))
            continue
        receipts[arrival.student] = receipt_for(arrival)
        result.collected.append(arrival.student)
    write_receipts(course, name, receipts)
    with open_gradebook(course) as gradebook:
        for student in collected_students(course, name):
            gradebook.update_or_create_student(student)
    return result


def collected_students(course: Course, name: str) -> list[str]:
    """Students with a folder ``submitted/<student>/<name>/``, sorted."""
    submitted = submitted_root(course)
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / name).is_dir() and not (p / name).is_symlink())


def receipt_for(arrival: Arrival) -> Receipt:
    return Receipt(
        source=arrival.source, origin=arrival.origin, digest=arrival.digest, received_at=iso(arrival.received_at),
        received_from=arrival.received_from,
        first_seen=iso(arrival.first_seen) if arrival.first_seen else None,
        latest_ctime=iso(arrival.latest_ctime) if arrival.latest_ctime else None,
        claimed=iso(arrival.claimed) if arrival.claimed else None, notes=list(arrival.notes),
        refused=arrival.refused,
    )


def install(course: Course, name: str, student: str, files: dict[str, bytes]) -> None:
    """Put ``files`` in ``submitted/<student>/<name>/`` in one rename (the old folder goes whole)."""
    if student_id_problem(student):  # never a path outside submitted/, whatever the caller checked
        raise ValueError(_i("invalid student id {student}", student=repr(student)))
    staging_root = collect_staging(course)
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=staging_root, prefix=f"{name}-"))
    try:
        fresh = staging / "new"
        fresh.mkdir()
        write_tree(fresh, files)
        target = submission_dir(course, name, student)
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(target):
            os.rename(target, staging / "old")
        os.rename(fresh, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def owner_problem(folder: Path, student: str) -> Optional[str]:
    """Why an inbound folder cannot be ``student``'s: another user made it (nbgrader's collect
    only warns; here one student cannot submit for another). A folder of the instructor's own
    user (the demo, the tests: one user plays every student) or of an unknown uid is accepted."""
    try:
        uid = os.lstat(folder).st_uid
    except OSError:
        return None  # gone: scan() says so
    if uid == os.getuid():
        return None
    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        return None
    return None if owner == student else _i("the folder belongs to the user {owner}, not to {student}",
                                            owner=shown_name(owner), student=student)


def exchange_arrivals(course: Course, name: str, receipts: dict[str, Receipt], now: dt.datetime,
                      skipped: list[str]) -> list[Arrival]:
    """Each student's latest inbound folder of ``name``, read as student files."""
    inbound = course.exchange_dir / course.course.id / "inbound"
    if not inbound.is_dir():
        raise FileNotFoundError(_i("the exchange's submissions folder {folder} does not exist: "
                                   "was the assignment released with `autograder release {name}`?",
                                   folder=inbound, name=name))
    latest: dict[str, tuple[dt.datetime, str]] = {}
    for entry in sorted(os.listdir(inbound)):
        fields = entry.rsplit("+", 3)  # nbgrader: <student>+<assignment>+<timestamp>[+<random>]
        if len(fields) < 3 or fields[1] != name:
            continue
        student, stamp = fields[0], parse_timestamp(fields[2], unknown_zone_as_utc=True)
        problem = student_id_problem(student) or (None if stamp else _i("the date in its name cannot be read"))
        problem = problem or owner_problem(inbound / entry, student)
        if problem:
            skipped.append(f"{shown_name(entry)}: {problem}")
            continue
        if student not in latest or (stamp, entry) > latest[student]:
            latest[student] = (stamp, entry)
    limits = course.grading.submission_limits
    arrivals = []
    for student, (_, entry) in sorted(latest.items()):
        try:
            tree = scan(inbound / entry, limits)
        except Refused as exc:
            skipped.append(f"{shown_name(entry)}: {exc.refusal.reason}")
            continue
        files = {relpath: data for relpath, data in tree.files.items() if data is not None}
        digest = files_digest(files)
        notes = tree.notes()
        stamp_text = files.pop(TIMESTAMP_FILE, None)
        claimed = None
        if stamp_text is not None and len(stamp_text) <= TIMESTAMP_MAX_BYTES:
            claimed = parse_timestamp(stamp_text.decode("utf-8", "replace"))
        if stamp_text is not None and claimed is None:
            notes.append(_i("timestamp.txt has no readable date; it was ignored."))
        for refusal in tree.refused:
            skipped.append(f"{shown_name(entry)}/{refusal.path}: {refusal.reason}")
        ctime = dt.datetime.fromtimestamp(tree.latest_ctime, dt.timezone.utc)
        previous = receipts.get(student)
        same = previous is not None and previous.origin == entry and previous.digest == digest
        seen = dt.datetime.fromisoformat(previous.first_seen) if same and previous.first_seen else now
        if ctime <= seen:
            received, how = ctime, _i("change time (ctime) of the submission folder in the exchange")
        else:
            received, how = seen, _i("first time collect saw this submission")
        if same and previous.received < received:  # the same bytes: a later chmod or backup moves nothing
            received, how = previous.received, previous.received_from
        # nbgrader's own tools (formgrader, export) read timestamp.txt: they get the receipt's time.
        files[TIMESTAMP_FILE] = format_timestamp(received).encode("ascii")
        arrivals.append(Arrival(student, "exchange", entry, digest, files, received, how, notes, claimed, ctime, seen,
                                refused=len(tree.refused)))
    return arrivals
