"""The grader's report (:class:`~autograder.grading.report.Report`) in each engine's results.json format.

Only the report's own feedback crosses over: test names, points and the Spanish messages the
local feedback page shows; never a hidden test's source or the reference code. The schemas each
format follows are written down in ``schemas/`` (from Gradescope's autograder specification and
PrairieLearn's external grading documentation). Example::

    results = gradescope_results(report, course.grading, execution_time=12.3)   # report: a Report
    validate(results, "gradescope")
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from autograder.config import Grading
from autograder.grading.report import Report, TestResult
from autograder.i18n import N_, _

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMAS = {"gradescope": "gradescope_results.schema.json", "prairielearn": "prairielearn_results.schema.json"}

SANDBOX_TEXT = {"bubblewrap": N_("bubblewrap (no network and no access to the course files)"),
                "rlimits": N_("resource limits and an unprivileged user")}


def test_name(part: str, test: TestResult) -> str:
    """The name a test has on every engine: its part, then its own name."""
    return f"{part}: {test.name}"


def summary_text(report: Report) -> str:
    """What the student reads about the whole submission (Spanish): score, status, notes, sandbox."""
    lines = [_("Score: {score:g} of {max:g}.", score=report.score, max=report.max_score)]
    if report.load_error:
        lines.append(_("Your submission could not be loaded: {error}", error=report.load_error))
    elif report.status == "timeout":
        lines.append(_("Grading went past its total time; the tests that did not get to run are worth 0."))
    lines += [note for note in report.notes if note != report.load_error]
    sandbox = report.sandbox
    if sandbox:
        lines.append(_("Your code ran isolated with {sandbox}.", sandbox=_(SANDBOX_TEXT[sandbox]) if sandbox in SANDBOX_TEXT else sandbox))
    return "\n".join(lines)


def gradescope_results(report: Report, grading: Grading, *, execution_time: float) -> dict:
    """results.json for Gradescope: one test per report test, visibility from course.yaml."""
    tests = [{
        "name": test_name(part, test),
        "score": test.points,
        "max_score": test.max_points,
        "status": "passed" if test.passed else "failed",
        "output": test.message,
        "visibility": grading.visibility.of(test.kind),
    } for part, test in report.tests()]
    return {
        "score": report.score,
        "execution_time": round(float(execution_time), 3),
        "output": summary_text(report),
        "tests": tests,
        # Kept by Gradescope, shown to no student: what the instructor needs to audit a grade.
        "extra_data": audit(report),
    }


def prairielearn_results(report: Report) -> dict:
    """results.json for PrairieLearn: score as a fraction of the maximum, points per test."""
    maximum = report.max_score
    tests = [{
        "name": test_name(part, test),
        "points": test.points,
        "max_points": test.max_points,
        "message": test.message,
    } for part, test in report.tests()]
    score = min(max(report.score / maximum, 0.0), 1.0) if maximum > 0 else 0.0
    # The audit (flags for review, seed...) goes to the job's log, which only staff read: see entry.py.
    return {"gradable": True, "score": round(score, 6), "message": summary_text(report), "tests": tests}


def failure_results(engine: str, message: str) -> dict:
    """results.json when the grader itself could not grade (never the student's fault)."""
    text = (_("Your submission could not be graded because of a problem of the grader, not of your code; "
            "tell your teacher. Detail: {message}", message=message))
    if engine == "gradescope":
        return {"score": 0.0, "output": text, "tests": [], "extra_data": {"grader_error": message}}
    return {"gradable": False, "message": text, "tests": []}


def audit(report: Report) -> dict:
    """What staff need to audit a grade (flags for review, the sandbox, the seed); not for students."""
    keys = ("assignment", "status", "sandbox", "flags", "load_error", "seed", "profile", "grader_version")
    data = report.model_dump(mode="json", include=set(keys))
    return {key: data[key] for key in keys}


@lru_cache(maxsize=None)
def schema(engine: str) -> dict:
    return json.loads((SCHEMA_DIR / SCHEMAS[engine]).read_text(encoding="utf-8"))


def validate(results: dict, engine: str) -> None:
    """Raise jsonschema.ValidationError unless ``results`` follows ``engine``'s results schema."""
    import jsonschema

    jsonschema.Draft202012Validator(schema(engine)).validate(results)
