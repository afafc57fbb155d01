"""``autograder grade ASSIGNMENT``: every collected submission through the sandboxed grader.

- Parallel: ``jobs`` threads, each grading through its own long-lived grading service
  (``grade_submission`` inside ``grading_services``: torch, pytest and the suites imported once
  per job, the next worker pre-started); a rich progress bar follows them.
- Robust: one submission that breaks, hangs or attacks is one report with its status; the grader
  itself never raising is its contract, and we still catch anything per submission.
- Incremental: a report remembers the *cache key* it was graded under (hash of the submission's
  files + the grader, the suites, the reference and course.yaml's grading settings); a re-run
  grades only submissions whose key changed, unless ``force``.
- One writer: only the main thread writes reports (tmp file + ``os.replace``) and the gradebook.
- Recording is not grading: a report or gradebook write that fails is retried once, then kept
  as a grader error the instructor sees (``record_error`` in the report, the class report, the
  command's table and exit status); the student keeps the score the grader gave, and the
  others are recorded as usual.
- Late from the receipt: the submission time is collect's receipt (``receipts.py``), never the
  student's ``timestamp.txt``, which is only compared with it (``timestamp_mismatch`` flag).

Reports: ``<course_dir>/autograded_reports/<assignment>/<student>.json``. Example::

    run = grade_class(course, "convolutions", jobs=2)
    run.graded, run.reused        # (['ana', 'bruno'], [])
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

from autograder.config import Course, SubmissionLimits
from autograder.grading.fingerprint import grader_fingerprint
from autograder.i18n import _i
from autograder.student_files import Refused, scan, write_tree
from autograder.workflow.collect import collected_students
from autograder.workflow.gradebook import record_report
from autograder.workflow.late import late_penalty, read_timestamp, seconds_late, submission_time
from autograder.workflow.nbgrader_setup import open_gradebook
from autograder.workflow.receipts import read_receipts

#: What nbgrader adds to a submission folder; not the student's work, so not part of its hash.
NBGRADER_BOOKKEEPING = {"timestamp.txt", "submission_secret.txt"}

#: Flags that recording adds to a graded report (from collect's receipt), replaced on every run.
RECORD_FLAG_KINDS = frozenset({"timestamp_mismatch", "timestamp_unverified", "refused_file"})


def reports_dir(course: Course, assignment: str) -> Path:
    return course.course_dir / "autograded_reports" / assignment


def submission_dir(course: Course, assignment: str, student: str) -> Path:
    return course.course_dir / "submitted" / student / assignment


@dataclass
class ClassGrading:
    """What one ``grade`` run did."""

    assignment: str
    graded: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    reports: dict[str, dict] = field(default_factory=dict)
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
    grade: Optional[Callable[..., dict]] = None,
    console: Optional[Console] = None,
) -> ClassGrading:
    """Grade the collected class (or ``students``), write the reports and the gradebook."""
    course.assignment(assignment)
    if grade is None:
        from autograder.grading.api import grade_submission as grade
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

    if todo:
        _grade_in_parallel(course, assignment, todo, run, jobs=jobs, device=device, grade=grade, console=console)
    _sync_gradebook(course, assignment, run)
    write_record_errors(course, assignment, run)
    run.graded.sort()
    return run


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


def is_current(report: Optional[dict], key: str) -> bool:
    """A report may be reused when it was graded under ``key`` and the grader itself did not fail."""
    return (
        report is not None
        and report.get("submission", {}).get("cache_key") == key
        and report.get("status") != "error"  # the grader's own failure: try again next run
    )


def _grade_in_parallel(course, assignment, todo, run, *, jobs, device, grade, console) -> None:
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
                report = dict(graded, submission={"student": student, "cache_key": key})
                run.reports[student] = report
                run.graded.append(student)
                error = with_retry(write_report, course, assignment, student, report)
                if error:
                    run.record_errors[student] = _i("the report could not be saved: {error}", error=error)
                error = with_retry(mirror_for_formgrader, course, assignment, student)
                if error:
                    report.setdefault("notes", []).append(_i("not copied for the formgrader: {error}", error=error))
                progress.advance(task)


def mirror_for_formgrader(course: Course, assignment: str, student: str) -> None:
    """Copy the submission to ``autograded/``, where nbgrader's formgrader opens it.

    nbgrader's autograde would put an executed copy there; we never run student code outside the
    sandbox, so the formgrader shows the notebook as submitted, beside the scores we recorded.
    """
    target = course.course_dir / "autograded" / student / assignment
    tree = scan(submission_dir(course, assignment, student), course.grading.submission_limits)
    fresh = target.with_name(f".{assignment}.new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    write_tree(fresh, {p: data for p, data in tree.files.items() if data is not None})
    shutil.rmtree(target, ignore_errors=True)
    os.rename(fresh, target)


def _grade_one(course: Course, assignment: str, student: str, device: str, grade) -> dict:
    folder = submission_dir(course, assignment, student)
    notebook = folder / course.assignment(assignment).notebook
    target = notebook if notebook.is_file() and not notebook.is_symlink() else folder
    try:
        return grade(course, target, assignment, device=device)
    except BaseException as exc:  # noqa: BLE001 - one submission must never stop the class
        return failed_report(course, assignment, f"{type(exc).__name__}: {exc}", device)


def failed_report(course: Course, assignment: str, message: str, device: str = "cpu") -> dict:
    """A report in the grader's shape for a submission the grader could not finish: 0 on each part."""
    parts = {
        part: {
            "score": 0.0,
            "max_score": float(points),
            "tests": [{"name": _i("grading"), "passed": False, "message": message, "kind": "error",
                       "points": 0.0, "max_points": float(points)}],
        }
        for part, points in course.assignment(assignment).parts.items()
    }
    return {
        "assignment": assignment, "score": 0.0, "max_score": course.assignment(assignment).max_score,
        "parts": parts, "status": "error", "sandbox": None, "device": device, "seed": None,
        "flags": [], "notes": [_i("the grader failed on this submission: {message}", message=message)],
        "load_error": message, "timings": {},
    }


def _sync_gradebook(course: Course, assignment: str, run: ClassGrading) -> None:
    """Write every report's scores and late penalty into gradebook.db (idempotent).

    The submission time is collect's receipt; timestamp.txt is only compared with it. A student
    whose record fails (twice) keeps the grader's score, with ``record_error`` in the report.
    """
    receipts = read_receipts(course, assignment)
    with contextlib.ExitStack() as stack:
        try:
            gradebook, error = stack.enter_context(open_gradebook(course)), None
        except Exception as exc:  # noqa: BLE001 - no gradebook: every result is kept and reported
            gradebook, error = None, _i("the gradebook could not be opened: {error}", error=f"{type(exc).__name__}: {exc}")
        for student in sorted(run.reports):
            _sync_one(course, assignment, run, student, receipts.get(student), gradebook, error)


def _sync_one(course: Course, assignment: str, run: ClassGrading, student: str, receipt, gradebook,
              error: Optional[str]) -> None:
    report = run.reports[student]
    if receipt is not None:
        when = submission_time(receipt.received, receipt.received_from, receipt.claimed_at)
    else:
        when = submission_time(None, "", read_timestamp(submission_dir(course, assignment, student)))
    submission = dict(report.get("submission", {}))
    old_collect_notes = submission.get("collect_notes", [])
    collect_notes = list(receipt.notes) if receipt is not None else []
    submission.update(timestamp=when.at.isoformat() if when.at else None,
                      claimed_timestamp=when.claimed.isoformat() if when.claimed else None,
                      received_from=when.source, collect_notes=collect_notes)
    flags = [f for f in report.get("flags", []) if f.get("kind") not in RECORD_FLAG_KINDS] + when.flags
    if receipt is not None and receipt.refused:
        flags.append({"part": None, "kind": "refused_file",
                      "message": _i("collect refused {count} file(s) of this submission without reading them "
                                    "(links, devices, archives or files too big); see the notes.",
                                    count=receipt.refused)})
    notes = [n for n in report.get("notes", []) if n not in old_collect_notes] + collect_notes
    updated = dict(report, submission=submission, flags=flags, notes=notes)
    updated.pop("record_error", None)
    late = None
    if gradebook is not None:
        for _ in range(2):  # retried once, then reported: never the student's 0
            try:
                late = record_report(gradebook, course, assignment, student, updated, when.at)
                break
            except Exception as exc:  # noqa: BLE001
                error = _i("could not be recorded in the gradebook: {error}", error=f"{type(exc).__name__}: {exc}")
    if late is None:  # not in the gradebook: the penalty from the course's rule alone
        spec = course.assignment(assignment)
        late = late_penalty(float(report.get("score", 0.0)), seconds_late(when.at, spec.due), spec.late_penalty)
        updated["record_error"] = error
    updated.update(late=late.as_dict(), final_score=round(max(0.0, float(report.get("score", 0.0)) - late.penalty), 6))
    errors = [updated["record_error"]] if updated.get("record_error") else []
    if updated != report:  # an unchanged report is not rewritten: a re-run changes nothing
        write_error = with_retry(write_report, course, assignment, student, updated)
        if write_error:
            errors.append(_i("the report could not be saved: {error}", error=write_error))
    if errors:
        run.record_errors[student] = "; ".join(errors)
    else:
        run.record_errors.pop(student, None)
    run.reports[student] = updated


def record_errors_path(course: Course, assignment: str) -> Path:
    """Beside the reports folder (never inside it): the results the grader could not record."""
    return reports_dir(course, assignment).with_name(f"{assignment}.record_errors.json")


def write_record_errors(course: Course, assignment: str, run: ClassGrading) -> None:
    """What could not be recorded this run, with the score the grader gave (best effort: it is
    the disk that failed, so this may fail too; the command's table says it anyway)."""
    path = record_errors_path(course, assignment)
    try:
        if not run.record_errors:
            path.unlink(missing_ok=True)
            return
        entries = {student: {"error": error, "status": run.reports.get(student, {}).get("status"),
                             "score": run.reports.get(student, {}).get("score"),
                             "final_score": run.reports.get(student, {}).get("final_score")}
                   for student, error in sorted(run.record_errors.items())}
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


def read_report(course: Course, assignment: str, student: str) -> Optional[dict]:
    path = reports_dir(course, assignment) / f"{student}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_reports(course: Course, assignment: str) -> dict[str, dict]:
    """Every student's report of an assignment, by student id."""
    folder = reports_dir(course, assignment)
    reports = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        report = read_report(course, assignment, path.stem)
        if report is not None:
            reports[path.stem] = report
    return reports


def write_report(course: Course, assignment: str, student: str, report: dict) -> Path:
    """Atomically (tmp + os.replace): a crash never leaves half a report behind."""
    folder = reports_dir(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{student}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{student}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(report, handle, ensure_ascii=False, indent=2)  # keys in the grader's order: parts as in course.yaml
    os.replace(tmp, target)
    return target
