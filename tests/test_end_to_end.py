"""The whole loop, real everything: nbgrader release -> students fetch/submit through the exchange
-> collect -> the sandboxed grader -> gradebook.db -> feedback -> class report, in a temporary
course folder. Students (from the demo's sample class): ana (reference), bruno (realistic bugs),
fabian (broken JSON), gabriela (reference, through the LMS a day and a half late: its zip's date)
and hugo (never submitted).
"""
from __future__ import annotations

import base64
import csv
import html
import re
import shutil
import subprocess
import time

import pytest
from nbgrader.plugins.export import CsvExportPlugin

from autograder.cli import main as autograder_main
from autograder.config import REPO_ROOT
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.demo import DEMO_LIMITS, collect_class, hand_in
from autograder.workflow.feedback_pages import write_feedback
from autograder.workflow.grade_class import grade_class
from autograder.workflow.gradebook import gradebook_scores
from autograder.workflow.nbgrader_setup import instructor_api, open_gradebook
from autograder.workflow.release import release_assignment
from autograder.workflow.class_report import write_class_report
from autograder.workflow.layout import class_report_dir, reports_dir
from autograder.workflow.sample_class import load_sample_class

ASSIGNMENT = "convolutions"
STUDENTS = ["ana", "bruno", "fabian", "gabriela", "hugo"]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    course = write_course_copy(tmp_path_factory.mktemp("e2e") / "curso", assignments=[ASSIGNMENT], grading=DEMO_LIMITS)
    release_assignment(course, ASSIGNMENT, students=STUDENTS)
    plans = load_sample_class()
    for student in STUDENTS:
        if ASSIGNMENT in plans[student].hand_ins:
            hand_in(course, plans[student], ASSIGNMENT)
    collect_class(course, ASSIGNMENT)
    started = time.monotonic()
    run = grade_class(course, ASSIGNMENT, jobs=2)
    print(f"\ngraded {len(run.graded)} submissions of {ASSIGNMENT} in {time.monotonic() - started:.1f} s")
    write_feedback(course, ASSIGNMENT)
    write_class_report(course, ASSIGNMENT)
    return course, run


def test_scores_follow_the_submissions(graded_class):
    course, run = graded_class
    reports = run.reports
    assert sorted(reports) == ["ana", "bruno", "fabian", "gabriela"]
    assert reports["ana"].status == "graded" and reports["ana"].score == reports["ana"].max_score == 90
    bruno = reports["bruno"].parts
    assert bruno["conv2d"].score < 30 and bruno["max_pool2d"].score < 15
    assert bruno["avg_pool2d"].score == 15  # (his conv_transpose2d calls his conv2d, so it loses too)
    assert reports["fabian"].status == "load_error" and reports["fabian"].score == 0


def test_late_penalty_from_nbgrader_timestamps(graded_class):
    _, run = graded_class
    gabriela = run.reports["gabriela"]
    # 1.5 days late: two started days at 10 % each (course.yaml), on a full score.
    assert gabriela.late.days_late == 2
    assert gabriela.late.penalty == pytest.approx(0.2 * gabriela.score)
    assert gabriela.final_score == pytest.approx(0.8 * gabriela.score)
    assert run.reports["ana"].late.penalty == 0


def test_gradebook_and_nbgrader_export_hold_the_reports(graded_class):
    course, run = graded_class
    with open_gradebook(course) as gradebook:
        stored = gradebook_scores(course, ASSIGNMENT, gradebook)
        CsvExportPlugin(to=str(course.course_dir / "export.csv")).export(gradebook)
    assert sorted(stored) == sorted(run.reports)
    for student, report in run.reports.items():
        assert stored[student]["parts"] == {p: pytest.approx(r.score) for p, r in report.parts.items()}
        assert stored[student]["late_penalty"] == pytest.approx(report.late.penalty)
    exported = {row["student_id"]: row for row in csv.DictReader((course.course_dir / "export.csv").open())}
    assert set(exported) == set(STUDENTS)
    for student, report in run.reports.items():
        assert float(exported[student]["score"]) == pytest.approx(report.final_score)
    assert float(exported["hugo"]["score"]) == 0
    # What the formgrader lists (nbgrader's own API over gradebook.db and autograded/).
    listed = {row["student"]: row for row in instructor_api(course).get_submissions(ASSIGNMENT) if row["submitted"]}
    for student, report in run.reports.items():
        assert listed[student]["autograded"] and not listed[student]["needs_manual_grade"]
        assert listed[student]["score"] == pytest.approx(report.score)


def test_class_csv_has_a_row_per_student_and_a_column_per_part(graded_class):
    course, run = graded_class
    rows = list(csv.DictReader((class_report_dir(course, ASSIGNMENT) / f"{ASSIGNMENT}.csv").open()))
    assert [r["student"] for r in rows] == STUDENTS
    assert list(rows[0]) == ["student", *course.assignment(ASSIGNMENT).parts, "total", "late_penalty", "final", "status",
                             "estado", "late_days", "flags", "name"]
    by_student = {r["student"]: r for r in rows}
    assert float(by_student["bruno"]["conv2d"]) == pytest.approx(run.reports["bruno"].parts["conv2d"].score)
    assert by_student["hugo"]["status"] == "sin_entrega"


def _secret_lines() -> set[str]:
    """Lines of the hidden suites and of the reference's solution regions (long enough to be telling)."""
    lines = set()
    for path in (REPO_ROOT / "tests" / "hidden").glob("*.py"):
        lines.update(path.read_text(encoding="utf-8").splitlines())
    solution = (REPO_ROOT / "solutions" / f"{ASSIGNMENT}.py").read_text(encoding="utf-8")
    for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", solution, flags=re.S):
        lines.update(region.splitlines())
    return {line.strip() for line in lines if len(line.strip()) >= 25}


def test_feedback_holds_no_hidden_source(graded_class):
    course, _ = graded_class
    pages = sorted((course.course_dir / "feedback").rglob("*.html")) + sorted((course.course_dir / "feedback").rglob("results.json"))
    assert len(pages) == 8  # a page and a results.json for each of the four who submitted
    secrets = _secret_lines()
    assert secrets, "nothing to look for: the hidden suites moved?"
    for page in pages:
        text = html.unescape(page.read_text(encoding="utf-8"))
        leaked = [line for line in secrets if line in text]
        assert not leaked, f"{page} shows hidden source: {leaked[:3]}"
    bruno = (course.course_dir / "feedback" / "bruno" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert "falla" in bruno and "conv2d" in bruno


def test_second_grade_run_changes_nothing(graded_class, capsys):
    course, run = graded_class
    folder = reports_dir(course, ASSIGNMENT)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.glob("*.json")}
    with open_gradebook(course) as gradebook:
        stored_before = gradebook_scores(course, ASSIGNMENT, gradebook)
    # Through the command line this time, as an instructor would.
    assert autograder_main(["--course", str(course.root / "course.yaml"), "grade", ASSIGNMENT]) == 0
    assert "0 calificadas, 4 sin cambios" in capsys.readouterr().out
    assert before == {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.glob("*.json")}
    with open_gradebook(course) as gradebook:
        assert gradebook_scores(course, ASSIGNMENT, gradebook) == stored_before


def test_class_report_page_renders(graded_class, tmp_path):
    course, _ = graded_class
    page = class_report_dir(course, ASSIGNMENT) / "index.html"
    text = page.read_text(encoding="utf-8")
    png = re.search(r'src="data:image/png;base64,([^"]+)"', text)
    assert png and base64.b64decode(png.group(1)).startswith(b"\x89PNG")
    assert "fabian" in text  # listed among the submissions that could not be loaded
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no headless browser installed: the page's content was checked, not its rendering")
    shot = tmp_path / "informe.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1200,1600", page.as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000  # a blank page is a few hundred bytes
