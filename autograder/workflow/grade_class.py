"""``autograder grade ASSIGNMENT``: every collected submission through the sandboxed grader.

- Parallel: ``jobs`` threads, each grading through its own long-lived grading service
  (``grade_report`` inside ``grading_services``: torch, pytest and the suites imported once
  per job, the next worker pre-started); a rich progress bar follows them.
- Robust: one submission that breaks, hangs or attacks is one report with its status; the grader
  itself never raising is its contract, and we still catch anything per submission.
- Incremental: a report remembers the *cache key* it was graded under (hash of the submission's
  files + the grader, the suites, the reference and course.yaml's grading settings); a re-run
  grades only submissions whose key changed, unless ``force``. A report on disk that is not a
  valid one (:meth:`Report.from_json`) is graded again.
- One writer, one write: only the main thread records, as each grading finishes. Recording a
  report is one sequence (:func:`record`): the submission time from collect's receipt, the
  record flags, nbgrader's seconds late (due date plus any extension), the late penalty from
  course.yaml's rule (``late.py``), the gradebook (one transaction), then the report, written once
  (tmp file + ``os.replace``), with its ``late`` and ``final_score``. A reused report is
  recorded the same way and rewritten only when that changed something.
- Recording is not grading: a gradebook or report write that fails is retried once, then kept
  as a grader error the instructor sees (``record_error`` in the report, the class report, the
  command's table and exit status); the student keeps the score the grader gave, and the
  others are recorded as usual.
- Late from the receipt: the submission time is collect's receipt (``receipts.py``), never the
  student's ``timestamp.txt``, which is only compared with it (``timestamp_mismatch`` flag).

Reports: ``layout.report_path`` (``<course_dir>/autograded_reports/<assignment>/<student>.json``). Example::

    run = grade_class(course, "convolutions", jobs=2)
    run.graded, run.reused        # (['ana', 'bruno'], [])
    run.reports["ana"].final_score
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from autograder.config import Course, SubmissionLimits
from autograder.grading.fingerprint import grader_fingerprint
from autograder.i18n import _i
from autograder.grading.report import Flag, PartResult, Report, SubmissionInfo, TestResult
from autograder.student_files import Refused, scan, write_tree
from autograder.workflow.collect import collected_students
from autograder.workflow.gradebook import nbgrader_seconds_late, record_report
from autograder.workflow.late import late_penalty, read_timestamp, seconds_late, submission_time
from autograder.workflow.layout import (formgrader_dir, record_errors_path, report_path, reports_dir,
                                        submission_dir)
from autograder.workflow.nbgrader_setup import open_gradebook
from autograder.workflow.receipts import Receipt, read_receipts

#: What nbgrader adds to a submission folder; not the student's work, so not part of its hash.
NBGRADER_BOOKKEEPING = {"timestamp.txt", "submission_secret.txt"}

#: Flags that recording adds to a graded report (from collect's receipt), replaced on every run.
RECORD_FLAG_KINDS = frozenset({"timestamp_mismatch", "timestamp_unverified", "refused_file"})


@dataclass
class ClassGrading:
    """What one ``grade`` run did."""

    assignment: str
    graded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    reports: dict[str, Report] = field(default_factory=dict)
    #: student -> why their result could not be recorded (after one retry): the grader's error.
    record_errors: dict[str, str] = field(default_factory=dict)


def grade_class(
    course: Course,
    assignment: str,
    *,
    jobs: int = 2,
    force: bool = False,
    device: str = "cpu",
    students: Optional[list[str]] = None,
    grade: Optional[Callable[..., Report | dict]] = None,
    console: Optional[Console] = None,
) -> ClassGrading:
    """Grade the collected class (or ``students``), record each report (gradebook, then the report file).

    ``grade`` (default ``grade_report``) returns a :class:`Report` or its JSON form (checked).
    """
    course.assignment(assignment)
    if grade is None:
        from autograder.grading.api import grade_report as grade
    console = console or Console(stderr=True)
    students = sorted(students) if students is not None else collected_students(course, assignment)
    key_base = grader_fingerprint(course, assignment, device)
    run = ClassGrading(assignment)

    todo = {}
    for student in students:
        files = submission_digest(submission_dir(course, assignment, student), course.grading.submission_limits)
        key = hashlib.sha256((key_base + files).encode()).hexdigest()
        previous = read_report(course, assignment, student)
        if not force and is_current(previous, key):
            run.reused.append(student)
            run.reports[student] = previous
        else:
            todo[student] = key

    receipts = read_receipts(course, assignment)
    with _gradebook(course) as (gradebook, gradebook_error):
        def record_one(student: str, report: Report, fresh: bool) -> None:
            record(course, assignment, run, student, report, receipts.get(student), gradebook, gradebook_error,
                   fresh=fresh)

        for student in list(run.reused):
            record_one(student, run.reports[student], False)
        if todo:
            _grade_in_parallel(course, assignment, todo, run, jobs=jobs, device=device, grade=grade,
                               console=console, record_one=record_one)
    write_record_errors(course, assignment, run)
    run.graded.sort()
    return run


@contextlib.contextmanager
def _gradebook(course: Course):
    """(the open gradebook, None), or (None, why it could not be opened): every result is kept and reported."""
    with contextlib.ExitStack() as stack:
        try:
            gradebook = stack.enter_context(open_gradebook(course))
        except Exception as exc:  # noqa: BLE001 - no gradebook: every result is kept and reported
            yield None, _i("the gradebook could not be opened: {error}", error=f"{type(exc).__name__}: {exc}")
            return
        yield gradebook, None


def with_retry(action: Callable, *args) -> Optional[str]:
    """Run one recording step, once more if it fails; None on success, else the last error."""
    error = None
    for _ in range(2):
        try:
            action(*args)
            return None
        except Exception as exc:  # noqa: BLE001 - any failure to record is reported, never raised
            error = f"{type(exc).__name__}: {exc}"
    return error


def is_current(report: Optional[Report], key: str) -> bool:
    """A report may be reused when it was graded under ``key`` and the grader itself did not fail."""
    return (
        report is not None
        and report.submission is not None
        and report.submission.cache_key == key
        and report.status != "error"  # the grader's own failure: try again next run
    )


def _grade_in_parallel(course, assignment, todo, run, *, jobs, device, grade, console, record_one) -> None:
    # Byte-identical submissions (e.g. two untouched notebooks) share one key: grade one, copy the report.
    by_key: dict[str, list[str]] = {}
    for student in sorted(todo):
        by_key.setdefault(todo[student], []).append(student)
    from autograder.grading.api import grading_services

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    # One grading service per job slot (started on first use): the start-up is paid once per job.
    with grading_services(jobs), Progress(*columns, console=console, transient=False) as progress, \
            ThreadPoolExecutor(max(1, jobs)) as pool:
        task = progress.add_task(_i("grading {assignment}", assignment=assignment), total=len(todo))
        # Each job runs in a copy of this thread's context: its messages keep the course's language.
        futures = {pool.submit(contextvars.copy_context().run, _grade_one, course, assignment, group[0], device, grade): key
                   for key, group in by_key.items()}
        for future in as_completed(futures):
            key = futures[future]
            graded = future.result()  # _grade_one never raises
            for student in by_key[key]:
                report = graded.model_copy(deep=True, update={
                    "submission": SubmissionInfo(student=student, cache_key=key)})
                run.graded.append(student)
                error = with_retry(mirror_for_formgrader, course, assignment, student)
                if error:
                    report.notes.append(_i("not copied for the formgrader: {error}", error=error))
                record_one(student, report, True)
                progress.advance(task)


def mirror_for_formgrader(course: Course, assignment: str, student: str) -> None:
    """Copy the submission to ``autograded/``, where nbgrader's formgrader opens it.

    nbgrader's autograde would put an executed copy there; we never run student code outside the
    sandbox, so the formgrader shows the notebook as submitted, beside the scores we recorded.
    """
    target = formgrader_dir(course, assignment, student)
    tree = scan(submission_dir(course, assignment, student), course.grading.submission_limits)
    fresh = target.with_name(f".{assignment}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    write_tree(fresh, {p: data for p, data in tree.files.items() if data is not None})
    shutil.rmtree(target, ignore_errors=True)
    os.rename(fresh, target)


def _grade_one(course: Course, assignment: str, student: str, device: str, grade) -> Report:
    folder = submission_dir(course, assignment, student)
    notebook = folder / course.assignment(assignment).notebook
    target = notebook if notebook.is_file() and not notebook.is_symlink() else folder
    try:
        report = grade(course, target, assignment, device=device)
        return report if isinstance(report, Report) else Report.from_json(report)
    except BaseException as exc:  # noqa: BLE001 - one submission must never stop the class
        return failed_report(course, assignment, f"{type(exc).__name__}: {exc}", device)


def failed_report(course: Course, assignment: str, message: str, device: str = "cpu") -> Report:
    """A report in the grader's shape for a submission the grader could not finish: 0 on each part."""
    from autograder.grading.api import grader_version

    spec = course.assignment(assignment)
    parts = {
        part: PartResult(score=0.0, max_score=float(points), tests=[
            TestResult(name=_i("grading"), passed=False, message=message, kind="error", points=0.0,
                       max_points=float(points))])
        for part, points in spec.parts.items()
    }
    return Report(assignment=assignment, status="error", score=0.0, max_score=float(spec.max_score), parts=parts,
                  notes=[_i("the grader failed on this submission: {message}", message=message)], load_error=message, device=device,
                  profile="hidden", grader_version=grader_version())


def record(course: Course, assignment: str, run: ClassGrading, student: str, report: Report,
           receipt: Optional[Receipt], gradebook, gradebook_error: Optional[str], *, fresh: bool) -> None:
    """Record one report: its submission time and record flags, its late penalty, the gradebook
    (idempotent), then the report file (when ``fresh`` or when recording changed it).

    The submission time is collect's receipt; timestamp.txt is only compared with it. The late
    penalty is course.yaml's rule on nbgrader's seconds late (its due date plus any extension),
    or on the course's due date when the gradebook cannot be written. A student whose record
    fails (twice) keeps the grader's score, with ``record_error`` in the report.
    """
    if receipt is not None:
        when = submission_time(receipt.received, receipt.received_from, receipt.claimed_at)
    else:
        when = submission_time(None, "", read_timestamp(submission_dir(course, assignment, student)))
    previous = report.submission or SubmissionInfo(student=student, cache_key="")
    collect_notes = list(receipt.notes) if receipt is not None else []
    submission = previous.model_copy(update=dict(
        timestamp=when.at.isoformat() if when.at else None,
        claimed_timestamp=when.claimed.isoformat() if when.claimed else None,
        received_from=when.source, collect_notes=collect_notes))
    flags = [f for f in report.flags if f.kind not in RECORD_FLAG_KINDS] + list(when.flags)
    if receipt is not None and receipt.refused:
        flags.append(Flag(part=None, kind="refused_file",
                          message=_i("collect refused {count} file(s) of this submission without reading them "
                                     "(links, devices, archives or files too big); see the notes.",
                                     count=receipt.refused)))
    notes = [n for n in report.notes if n not in previous.collect_notes] + collect_notes
    unlate = report.model_copy(update=dict(submission=submission, flags=flags, notes=notes, record_error=None))
    rule = course.assignment(assignment).late_penalty

    def with_late(seconds: float) -> Report:
        late = late_penalty(report.score, seconds, rule)
        return unlate.model_copy(update=dict(late=late.as_report_late(),
                                             final_score=round(max(0.0, report.score - late.penalty), 6)))

    updated, error = None, gradebook_error
    if gradebook is not None:
        for _ in range(2):  # retried once, then reported: never the student's 0
            try:
                candidate = with_late(nbgrader_seconds_late(gradebook, assignment, student, when.at))
                record_report(gradebook, course, assignment, student, candidate, when.at)
                updated = candidate
                break
            except Exception as exc:  # noqa: BLE001
                error = _i("could not be recorded in the gradebook: {error}", error=f"{type(exc).__name__}: {exc}")
    if updated is None:  # not in the gradebook: the penalty from the course's rule alone
        updated = with_late(seconds_late(when.at, course.assignment(assignment).due))
        updated.record_error = error
    errors = [updated.record_error] if updated.record_error else []
    if fresh or updated != report:  # an unchanged report is not rewritten: a re-run changes nothing
        write_error = with_retry(write_report, course, assignment, student, updated)
        if write_error:
            errors.append(_i("the report could not be saved: {error}", error=write_error))
    if errors:
        run.record_errors[student] = "; ".join(errors)
    else:
        run.record_errors.pop(student, None)
    run.reports[student] = updated


def write_record_errors(course: Course, assignment: str, run: ClassGrading) -> None:
    """What could not be recorded this run, with the score the grader gave (best effort: it is
    the disk that failed, so this may fail too; the command's table says it anyway)."""
    path = record_errors_path(course, assignment)
    try:
        if not run.record_errors:
            path.unlink(missing_ok=True)
            return
        entries = {}
        for student, error in sorted(run.record_errors.items()):
            report = run.reports.get(student)
            entries[student] = {"error": error, "status": report.status if report else None,
                                "score": report.score if report else None,
                                "final_score": report.final_score if report else None}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entries, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError:
        pass


def read_record_errors(course: Course, assignment: str) -> dict[str, dict]:
    try:
        return json.loads(record_errors_path(course, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def submission_digest(folder: Path, limits: Optional[SubmissionLimits] = None) -> str:
    """Hash of the student's files in a collected submission (names and bytes; links never followed)."""
    digest = hashlib.sha256()
    try:
        tree = scan(folder, limits or SubmissionLimits())
    except Refused as exc:
        return hashlib.sha256(f"refused:{exc}".encode()).hexdigest()
    for relpath in sorted(tree.files):
        if relpath in NBGRADER_BOOKKEEPING:
            continue
        digest.update(relpath.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(tree.files[relpath] or b"")
    for refusal in tree.refused:  # what load_submission will refuse is part of what it grades
        digest.update(f"refused:{refusal.path}:{refusal.reason}".encode())
    return digest.hexdigest()


def read_report(course: Course, assignment: str, student: str) -> Optional[Report]:
    """The student's report, or None: none written yet, or one that is not a valid report
    (unreadable, not JSON, a wrong type; keys it does not define are ignored)."""
    try:
        return Report.from_json(json.loads(report_path(course, assignment, student).read_text(encoding="utf-8")))
    except (OSError, ValueError):  # ReportError and JSONDecodeError are ValueErrors
        return None


def read_reports(course: Course, assignment: str) -> dict[str, Report]:
    """Every student's (valid) report of an assignment, by student id."""
    folder = reports_dir(course, assignment)
    reports = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        report = read_report(course, assignment, path.stem)
        if report is not None:
            reports[path.stem] = report
    return reports


def write_report(course: Course, assignment: str, student: str, report: Report) -> Path:
    """Atomically (tmp + os.replace): a crash never leaves half a report behind."""
    target = report_path(course, assignment, student)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{student}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        # keys in the model's order: parts as in course.yaml
        json.dump(report.to_json(), handle, ensure_ascii=False, indent=2)
    os.replace(tmp, target)
    return target

