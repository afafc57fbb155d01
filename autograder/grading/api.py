"""Grade one submission: the function other tools call (the commands are autograder/cli/grading.py).

``grade_report`` extracts the source (submission.py), runs the suite in a trusted child
process (session.py) against a sandboxed worker, scores (scoring.py) and builds the
:class:`~autograder.grading.report.Report`; ``grade_submission`` is the same as its JSON form
(a dict, the contract of issue 3). A bad submission never raises: it is graded 0 where it
fails, with a message. Only the grader's own problems raise (unknown assignment ->
CourseConfigError, a broken suite or a session result that does not make a valid report ->
GraderError). Thread-safe: all state lives in the child. Example::

    report = grade_report(load_course(), Path("entrega.ipynb"), "convolutions")
    report.score, report.parts["conv2d"].tests[0].message
    grade_submission(load_course(), Path("entrega.ipynb"), "convolutions")["score"]   # the JSON form
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from pydantic import ValidationError

from autograder.config import REPO_ROOT, Course
from autograder.errors import DeviceUnavailable, GraderError  # noqa: F401 - raised here; imported from here by callers
from autograder.grading.profiles import PROFILES
from autograder.grading.report import Flag, PartResult, Report, ReportError
from autograder.grading.scoring import DIGITS, score_parts
from autograder.grading.submission import Submission, load_submission
from autograder.i18n import N_, _, set_language

#: Seconds the parent waits beyond the submission budget before killing the child session.
KILL_GRACE_S = 60


def session_env() -> dict:
    """The environment of a grading session's process (a one-off session or a service)."""
    return {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}


#: The grading services of the current ``grading_services`` block (None: one process per submission).
_services = None


@contextlib.contextmanager
def grading_services(jobs: int = 1):
    """Within this block, ``grade_submission`` grades in long-lived services (autograder/grading/
    service.py), one per thread that grades at a time (at most ``jobs``), started on first use
    and stopped at the end; the reports are the same as without. Example::

        with grading_services(jobs=2):
            reports = list(ThreadPoolExecutor(2).map(grade, submissions))
    """
    from autograder.grading.service_pool import ServicePool

    pool = ServicePool(max(1, jobs))
    try:
        with using_services(pool):
            yield pool
    finally:
        pool.close()


@contextlib.contextmanager
def using_services(pool):
    """Within this block, ``grade_submission`` grades in ``pool``'s services, which outlive it
    (what ``check()`` keeps warm for a kernel). Example: ``with using_services(pool): grade_submission(...)``."""
    global _services
    previous, _services = _services, pool
    try:
        yield pool
    finally:
        _services = previous


def grader_version() -> str:
    try:
        return metadata.version("cnn-autograder")
    except metadata.PackageNotFoundError:  # running from a checkout that was not installed
        return "0+checkout"


def grade_submission(course: Course, submission: Path | Submission, assignment: str, *, device: str = "cpu",
                     profile: str = "hidden", seed: int | None = None, only_part: str | None = None,
                     sandbox: str = "auto") -> dict:
    """The JSON form of :func:`grade_report` (``Report.to_json()``): what ``autograder grade --json`` writes."""
    return grade_report(course, submission, assignment, device=device, profile=profile, seed=seed,
                        only_part=only_part, sandbox=sandbox).to_json()


def grade_report(course: Course, submission: Path | Submission, assignment: str, *, device: str = "cpu",
                 profile: str = "hidden", seed: int | None = None, only_part: str | None = None,
                 sandbox: str = "auto") -> Report:
    """The report of one submission (see module doc); ``only_part`` runs that part's tests only.

    ``submission`` is a path (a notebook, a .py, a folder) or an already extracted
    :class:`Submission` (what ``check()`` builds from the kernel's cells): the same rules either way.
    ``sandbox`` is the worker's (``auto``, ``bubblewrap``, ``rlimits``; see autograder/sandbox/launch.py).
    """
    started = time.monotonic()
    spec = course.assignment(assignment)  # CourseConfigError for an unknown name
    set_language(course.course.language)  # the report's messages are in the course's language
    if profile not in PROFILES:
        raise GraderError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    if only_part is not None and only_part not in spec.parts:
        raise GraderError(f"unknown part {only_part!r} of {assignment!r}; parts: {', '.join(spec.parts)}")
    _require_device(device)
    seed = course.seed_for(assignment, profile) if seed is None else int(seed)
    sub = submission if isinstance(submission, Submission) else load_submission(
        Path(submission), spec, course.grading.submission_limits)
    extracted = time.monotonic()
    if sub.error is not None:
        result, killed = _nothing_ran(spec, sub.error, sandbox), False
    else:
        result, killed = _run_session(course, assignment, sub, profile=profile, seed=seed, device=device,
                                      only_part=only_part, sandbox=sandbox)
    if only_part is not None:
        spec = spec.model_copy(update={"parts": {only_part: spec.parts[only_part]}})
    try:
        return _build_report(course, spec, sub, result, killed, device=device, seed=seed, profile=profile,
                             started=started, extracted=extracted)
    except ValidationError as exc:  # the session said something no report can hold (a NaN, a wrong type)
        raise GraderError(f"the grading session for {assignment} gave a result that is not a valid report: "
                          f"{ReportError.of(exc)}") from None


def _build_report(course: Course, spec, sub: Submission, result: dict, killed: bool, *, device: str, seed: int,
                  profile: str, started: float, extracted: float) -> Report:
    """The one place a report is built, from the session's raw results: every value checked
    (types, finite numbers, known kinds) as the model is constructed."""
    load = result.get("load") or {}
    load_error = sub.error or (None if load.get("ok", True) else sub.map_text(load.get("error"), load_error=True))
    tests = [_located(test, sub, spec, bool(load_error)) for test in result["tests"]]
    parts, flags = score_parts(spec, course.grading, tests, result.get("ops_by_part", {}),
                               result.get("refused_by_part", {}), result.get("tampering_by_part", {}))
    _describe_sources(parts, sub)
    flags += _gave_up_flags(result.get("gave_up", {}))
    flags += _static_scan_flags(sub, list(spec.parts))
    status = "load_error" if load_error else ("timeout" if killed or result.get("budget_spent") else "graded")
    notes = list(sub.notes) + list(result.get("worker_notes", []))
    notes += [_("internal error of the grader: {error}", error=e) for e in result.get("internal_errors", [])]
    if killed:
        notes.append(_("Grading went past its total time and was stopped; the tests that did not get to "
                       "run are worth 0."))
    finished = time.monotonic()
    return Report(
        assignment=spec.name,
        status=status,
        score=round(sum(p.score for p in parts.values()), DIGITS),
        max_score=float(sum(p.max_score for p in parts.values())),
        parts=parts,
        flags=flags,
        notes=notes,
        load_error=load_error,
        sandbox=result.get("sandbox"),
        lockdown=result.get("lockdown") or {},
        device=device,
        seed=seed,
        profile=profile,
        grader_version=grader_version(),
        timings={"total_s": round(finished - started, 3), "extract_s": round(extracted - started, 3),
                 "suite_s": round(finished - extracted, 3), **result.get("timings", {})},
    )


#: The one-off session's command-line option for each key of a grading request (session.py's main).
_SESSION_OPTIONS = {"course_file": "--course", "assignment": "--assignment", "source_file": "--source",
                    "profile": "--profile", "seed": "--seed", "device": "--device", "sandbox": "--sandbox",
                    "out": "--out", "only_part": "--part"}


def _session_command(request: dict) -> list[str]:
    """``python -m autograder.grading.session`` with the same request a service is sent."""
    command = [sys.executable, "-m", "autograder.grading.session"]
    for key, value in request.items():
        if value is not None:
            command += [_SESSION_OPTIONS[key], str(value)]
    return command


def _require_device(device: str) -> None:
    if device == "cpu":
        return
    if device != "cuda":
        raise GraderError(f"unknown device {device!r} (cpu or cuda)")
    import torch

    if not torch.cuda.is_available():
        raise DeviceUnavailable(_("--device cuda: CUDA is not available on this machine (torch {version}); "
                                  "grade with --device cpu.", version=torch.__version__))


def _located(test: dict, sub: Submission, spec, load_failed: bool) -> dict:
    """A raw test result whose message names cells (not ``entrega.py`` lines) and, for a part that
    was not found, says why (a definition inside an ``if``, a cell with a syntax error...)."""
    message = sub.map_text(test.get("message") or "", load_error=load_failed)
    part = test.get("part")
    if sub.extraction is not None and part in spec.parts and part not in sub.extraction.part_cells \
            and message.startswith(_("`{part}` was not found", part=part)):
        message = "\n".join([message, *sub.extraction.part_notes.get(part, [])])
    return {**test, "message": message}


def _describe_sources(parts: dict[str, PartResult], sub: Submission) -> None:
    """Each part's ``cells`` (where its definition and helpers came from) and ``notes`` (about it)."""
    extraction = sub.extraction
    for part, entry in parts.items():
        entry.cells = list(extraction.part_cells.get(part, [])) if extraction else []
        entry.notes = list(extraction.part_notes.get(part, [])) if extraction else []


def _nothing_ran(spec, error: str, sandbox: str = "auto") -> dict:
    """Raw results for a submission nothing could be extracted from: one failed entry per part."""
    tests = [{"name": _("loading the submission"), "part": part, "kind": "load", "builds_on": [], "passed": False,
              "message": error} for part in spec.parts]
    from autograder.sandbox.launch import bubblewrap_problem

    # Nothing ran, but the report still names the sandbox this machine grades with.
    sandbox = "bubblewrap" if sandbox != "rlimits" and bubblewrap_problem("cpu") is None else "rlimits"
    return {"tests": tests, "ops_by_part": {}, "load": {"ok": False, "error": error}, "sandbox": sandbox}


def _run_session(course: Course, assignment: str, sub: Submission, *, profile: str, seed: int, device: str,
                 only_part: str | None, sandbox: str = "auto") -> tuple[dict, bool]:
    """Run autograder.grading.session in a child process; its raw results and whether it was killed."""
    from autograder.grading.session import suite_path

    if not suite_path(assignment, profile).exists():
        raise GraderError(f"no {profile} suite for {assignment}: {suite_path(assignment, profile)} is missing")
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        source_file, out = Path(tmp) / "submission.py", Path(tmp) / "result.json"
        source_file.write_text(sub.source, encoding="utf-8")
        request = {"course_file": str(course.source), "assignment": assignment,
                   "source_file": str(source_file), "profile": profile, "seed": seed, "device": device,
                   "sandbox": sandbox, "out": str(out), "only_part": only_part}
        killed = False
        timeout = course.grading.submission_timeout + KILL_GRACE_S
        services = _services
        if services is not None:
            child = services.run(request, timeout)
            killed = child is None
        else:
            try:
                child = subprocess.run(_session_command(request), cwd=REPO_ROOT, env=session_env(),
                                       capture_output=True, text=True, timeout=timeout)
            except subprocess.TimeoutExpired:
                killed, child = True, None
        if not out.exists():
            detail = (child.stderr or "").strip().splitlines()[-5:] if child is not None else ["killed"]
            raise GraderError(f"the grading session for {assignment} produced no result: " + " | ".join(detail))
        result = json.loads(out.read_text(encoding="utf-8"))
    if child is not None and child.returncode != 0:
        tail = " | ".join((child.stderr or "").strip().splitlines()[-5:])
        raise GraderError(f"the grading session for {assignment} failed (exit {child.returncode}): {tail}")
    if result.get("collection_errors"):
        raise GraderError(f"the suite of {assignment} could not be collected: {result['collection_errors']}")
    return result, killed


def _gave_up_flags(gave_up: dict) -> list[Flag]:
    """A part whose code hung past the per-call limit or killed its worker: listed in the class report."""
    what = {"timeout": N_("`{part}` exceeded the time limit per call (in {test})."),
            "crash": N_("`{part}` made the grading process end (in {test}).")}
    return [Flag(part=part, kind=entry["kind"], message=_(what[entry["kind"]], part=part, test=entry["test"]))
            for part, entry in gave_up.items()]


def _static_scan_flags(sub: Submission, parts: list[str]) -> list[Flag]:
    """Static-scan findings as "flagged for review" flags; they never change the score.

    A use of torch's own conv/pool (``nn.Conv2d``, ``F.max_pool2d``...) is only suspicious in an
    assignment with a part that may not reach it: modules are meant to use nn layers.
    """
    from autograder.grading.banned_ops import BANNED_OPS
    from autograder.grading.static_scan import scan_source

    restricted = [part for part in parts if part in BANNED_OPS]
    flags = []
    for finding in scan_source(sub.source):
        part = finding.scope if finding.scope in parts else None
        if finding.kind in ("torch_op", "other_library") and (
                not restricted or (part is not None and part not in restricted)):
            continue
        found = sub.extraction.locate(finding.line) if sub.extraction else None
        where = _("{cell}, line {line} of the cell", cell=found[0], line=found[1]) if found else _("line {line}",
                                                                                     line=finding.line)
        flags.append(Flag(part=part, kind="static_scan",
                          message=_("Flagged for review ({where}, {kind}): {message}", where=where,
                                    kind=finding.kind, message=finding.message)))
    return flags
