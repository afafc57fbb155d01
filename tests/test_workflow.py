"""The instructor workflow on real nbgrader (exchange, gradebook.db, export), with a stand-in grader.

The stand-in scores a part full when its cell no longer raises NotImplementedError, so these tests
check the bookkeeping (collect, cache, gradebook, late penalty, feedback, report) in seconds; the
real sandboxed grader runs in test_end_to_end.py.
"""
from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, strategies as st
from nbgrader.plugins.export import CsvExportPlugin

from autograder.config import LatePenalty, load_course
from autograder.workflow.collect import collect_assignment, collected_students
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.demo import add_to_lms_zip, fresh_folder, hand_in
from autograder.grading.report import Report
from autograder.workflow.feedback_pages import write_feedback
from autograder.workflow.grade_class import grade_class
from autograder.workflow.layout import class_report_dir, feedback_dir, formgrader_dir, reports_dir, submission_dir
from autograder.workflow.gradebook import gradebook_scores
from autograder.workflow.late import late_penalty
from autograder.workflow.nbgrader_setup import open_gradebook
from autograder.workflow.release import release_assignment
from autograder.workflow.class_report import failure_rates, problem_submissions, score_rows, write_class_report
from autograder.workflow.sample_class import BROKEN_JSON, REFERENCE, SAMPLE_DIR, STUB, StudentPlan, load_sample_class

ASSIGNMENT = "convolutions"
REPO_SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


class StandInGrader:
    """Scores each part by whether its cell is still the stub; counts calls; raises for ``boom``."""

    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, course, submission: Path, assignment: str, device: str = "cpu") -> dict:
        student = submission.parent.parent.name
        self.calls.append(student)
        if student == "boom":
            raise RuntimeError("the grader crashed")
        cells = {
            cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
            for cell in nbformat.read(submission, as_version=4).cells
        }
        parts = {}
        for part, points in course.assignment(assignment).parts.items():
            done = "NotImplementedError" not in cells.get(part, "NotImplementedError")
            parts[part] = {"score": float(points) if done else 0.0, "max_score": float(points), "tests": [
                {"name": "coincide con la referencia", "passed": done, "kind": "matches_reference",
                 "message": "" if done else "<script>x</script> esperado 1.0, obtenido 2.0",
                 "points": float(points) if done else 0.0, "max_points": float(points)}]}
        return {"assignment": assignment, "score": sum(p["score"] for p in parts.values()),
                "max_score": course.assignment(assignment).max_score, "parts": parts, "status": "graded",
                "flags": [], "notes": [], "load_error": None, "timings": {"total_s": 0.0}}


@pytest.fixture(scope="module")
def released_class(tmp_path_factory):
    """A course folder with `convolutions` released (nbgrader's first gradebook costs seconds: once)
    and, through the exchange, ana (all done) and ines (one stub left) submitted and collected."""
    folder = tmp_path_factory.mktemp("plantilla") / "curso"
    course = write_course_copy(folder, assignments=[ASSIGNMENT])
    release_assignment(course, ASSIGNMENT, students=["ana", "ines", "hugo"])
    hand_in(course, StudentPlan("ana", "", {ASSIGNMENT: "reference"}), ASSIGNMENT)
    hand_in(course, StudentPlan("ines", "", {ASSIGNMENT: {"conv_transpose2d": "stub"}}), ASSIGNMENT)
    collect_assignment(course, ASSIGNMENT)
    return folder


@pytest.fixture
def course(released_class, tmp_path):
    """A private copy of the released class (course folder, exchange and gradebook)."""
    shutil.copytree(released_class, tmp_path / "curso", symlinks=True)
    return load_course(tmp_path / "curso" / "course.yaml")


def export_rows(course) -> dict[str, dict]:
    """What `nbgrader export` writes, by student (nbgrader's own CSV exporter on our gradebook)."""
    out = course.course_dir / "grades.csv"
    with open_gradebook(course) as gradebook:
        CsvExportPlugin(to=str(out)).export(gradebook)
    return {row["student_id"]: row for row in csv.DictReader(out.open())}


def test_grades_reach_gradebook_and_nbgrader_export(course):
    grader = StandInGrader()
    run = grade_class(course, ASSIGNMENT, grade=grader)
    assert run.graded == ["ana", "ines"] and sorted(grader.calls) == ["ana", "ines"]
    with open_gradebook(course) as gradebook:
        stored = gradebook_scores(course, ASSIGNMENT, gradebook)
    assert stored["ines"]["parts"]["conv_transpose2d"] == 0 and stored["ines"]["parts"]["conv2d"] == 30
    exported = export_rows(course)
    assert float(exported["ana"]["score"]) == 90.0
    assert float(exported["ines"]["score"]) == 60.0
    assert float(exported["hugo"]["score"]) == 0.0  # on the roster, never submitted
    assert (formgrader_dir(course, ASSIGNMENT, "ines") / "convolutions.ipynb").is_file()  # for the formgrader


def test_rerun_grades_only_what_changed(course):
    grader = StandInGrader()
    grade_class(course, ASSIGNMENT, grade=grader)
    before = {p.name: p.stat().st_mtime_ns for p in reports_dir(course, ASSIGNMENT).glob("*.json")}

    grader.calls.clear()
    run = grade_class(course, ASSIGNMENT, grade=grader)
    assert grader.calls == [] and run.reused == ["ana", "ines"]
    assert before == {p.name: p.stat().st_mtime_ns for p in reports_dir(course, ASSIGNMENT).glob("*.json")}

    notebook = submission_dir(course, ASSIGNMENT, "ines") / "convolutions.ipynb"
    notebook.write_text(notebook.read_text().replace("NotImplementedError", "ValueError"))
    grade_class(course, ASSIGNMENT, grade=grader)
    assert grader.calls == ["ines"]

    grader.calls.clear()
    grade_class(course, ASSIGNMENT, grade=grader, force=True)
    assert sorted(grader.calls) == ["ana", "ines"]


def test_a_changed_reference_regrades_the_class_and_a_narrative_does_not(course):
    solutions = course.root / "solutions"  # the copy links the repository's: edit a copy of it instead
    solutions.unlink()
    shutil.copytree(REPO_SOLUTIONS, solutions, ignore=shutil.ignore_patterns("__pycache__"))
    grader = StandInGrader()
    grade_class(course, ASSIGNMENT, grade=grader)

    grader.calls.clear()
    with open(solutions / "notebooks" / "convolutions.py", "a", encoding="utf-8") as narrative:
        narrative.write("\n# otra explicación\n")
    assert grade_class(course, ASSIGNMENT, grade=grader).reused == ["ana", "ines"] and grader.calls == []

    with open(solutions / "convolutions.py", "a", encoding="utf-8") as reference:
        reference.write("\n# una referencia corregida\n")
    run = grade_class(course, ASSIGNMENT, grade=grader)
    assert run.graded == ["ana", "ines"] and sorted(grader.calls) == ["ana", "ines"]


def test_a_crashing_grader_costs_one_report_and_is_retried(course):
    boom = submission_dir(course, ASSIGNMENT, "boom")
    boom.parent.mkdir(parents=True)
    boom.mkdir()
    ana = (submission_dir(course, ASSIGNMENT, "ana") / "convolutions.ipynb").read_text()
    (boom / "convolutions.ipynb").write_text(ana + "\n")  # not byte-identical: graded on its own
    grader = StandInGrader()
    run = grade_class(course, ASSIGNMENT, grade=grader, jobs=2)
    assert run.reports["boom"].status == "error" and run.reports["boom"].score == 0
    assert "the grader crashed" in run.reports["boom"].load_error
    assert run.reports["ana"].score == 90
    grader.calls.clear()
    grade_class(course, ASSIGNMENT, grade=grader)
    assert grader.calls == ["boom"]  # the grader's own failure is not cached


def test_late_submission_penalised_from_the_lms_date(course):
    # Lateness comes from what the student cannot write: here the LMS zip's own date of the upload.
    due = course.assignment(ASSIGNMENT).due
    notebook = submission_dir(course, ASSIGNMENT, "ana") / "convolutions.ipynb"
    lms = add_to_lms_zip(course, ASSIGNMENT, "ana", notebook, due + dt.timedelta(days=2, hours=1))
    collect_assignment(course, ASSIGNMENT, lms_zip=lms)
    report = grade_class(course, ASSIGNMENT, grade=StandInGrader()).reports["ana"]
    assert report.submission.received_from == "fecha de la entrada en el zip del LMS"
    assert report.late.days_late == 3 and report.late.penalty == pytest.approx(27.0)
    assert report.final_score == pytest.approx(63.0)
    exported = export_rows(course)
    assert float(exported["ana"]["late_submission_penalty"]) == pytest.approx(27.0)
    assert float(exported["ana"]["score"]) == pytest.approx(63.0)


def test_zip_collect_reads_student_and_notebook_from_names(course, tmp_path):
    notebook = (submission_dir(course, ASSIGNMENT, "ana") / "convolutions.ipynb").read_bytes()
    lms = tmp_path / "moodle.zip"
    with zipfile.ZipFile(lms, "w") as archive:
        archive.writestr("carlos_convolutions.ipynb", notebook)
        archive.writestr("dora/convolutions.ipynb", notebook)
    message = collect_assignment(course, ASSIGNMENT, lms_zip=lms)
    assert "carlos" in message and "dora" in message
    assert {"carlos", "dora"} <= set(collected_students(course, ASSIGNMENT))


def test_feedback_pages_escape_messages_and_results_json(course):
    grade_class(course, ASSIGNMENT, grade=StandInGrader())
    write_feedback(course, ASSIGNMENT)
    page = (feedback_dir(course, ASSIGNMENT, "ines") / "convolutions.html").read_text()
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert "conv_transpose2d" in page and "0 / 30" in page
    results = json.loads((feedback_dir(course, ASSIGNMENT, "ines") / "results.json").read_text())
    assert results["score"] == 60
    assert sum(t["max_score"] for t in results["tests"]) == 90
    # nbgrader's release_feedback put the page in the exchange, where fetch_feedback finds it.
    assert list((course.exchange_dir / course.course.id / "feedback").glob("*.html"))


def test_class_report_csv_has_a_row_per_student_and_a_column_per_part(course):
    grade_class(course, ASSIGNMENT, grade=StandInGrader())
    write_class_report(course, ASSIGNMENT)
    folder = class_report_dir(course, ASSIGNMENT)
    rows = list(csv.DictReader(io.StringIO((folder / "convolutions.csv").read_text())))
    assert [r["student"] for r in rows] == ["ana", "hugo", "ines"]
    assert list(rows[0])[1:5] == list(course.assignment(ASSIGNMENT).parts)
    assert rows[1]["status"] == "sin_entrega"
    page = (folder / "index.html").read_text()
    assert "data:image/png;base64," in page and "conv_transpose2d" in page


def test_failure_rates_most_failed_first_and_problems_listed():
    def report(status, passed, flags=()):
        tests = [{"name": "a", "passed": passed}, {"name": "b", "passed": True}]
        return Report.from_json({
            "assignment": "a", "status": status, "parts": {"p": {"score": 0, "max_score": 1, "tests": tests}},
            "flags": list(flags), "load_error": "SyntaxError" if status == "load_error" else None, "score": 0,
            "max_score": 1})

    reports = {"x": report("graded", False), "y": report("graded", True, [{"part": "p", "kind": "banned_op", "message": "F.conv2d"}]),
               "z": report("load_error", False)}
    rates = failure_rates(reports)
    assert [(r["test"], r["failed"], r["total"]) for r in rates] == [("a (a)", 1, 2), ("b (b)", 0, 2)]
    kinds = {(p["student"], p["kind"]) for p in problem_submissions(reports)}
    assert kinds == {("y", "usa la operación de torch"), ("z", "no se pudo cargar")}
    rows = score_rows(["p"], reports, ["w"])
    assert [r["student"] for r in rows] == ["w", "x", "y", "z"]


@given(
    seconds=st.floats(-10 * 86400, 30 * 86400, allow_nan=False),
    per_day=st.floats(0, 1), cap=st.floats(0, 1), score=st.floats(0, 100),
)
def test_late_penalty_is_started_days_times_rate_capped(seconds, per_day, cap, score):
    info = late_penalty(score, seconds, LatePenalty(per_day=per_day, max=cap))
    assert 0 <= info.fraction <= cap + 1e-9
    if seconds <= 0:
        assert info.penalty == 0 and info.days_late == 0
    else:
        assert info.days_late - 1 < seconds / 86400 <= info.days_late
        assert info.fraction == pytest.approx(min(cap, info.days_late * per_day), abs=1e-6)
        assert info.penalty == pytest.approx(score * info.fraction, abs=1e-4)


def test_sample_class_hand_ins_name_real_parts_and_snippets():
    course = load_course()
    for plan in load_sample_class().values():
        for assignment, what in plan.hand_ins.items():
            parts = course.assignment(assignment).parts
            if not isinstance(what, dict):
                assert what in (REFERENCE, BROKEN_JSON), (plan.student, assignment)
                continue
            for part, snippet in what.items():
                assert part in parts, (plan.student, part)
                if snippet != STUB:
                    tree = ast.parse((SAMPLE_DIR / assignment / snippet).read_text(encoding="utf-8"))
                    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
                    assert part in defined, f"{snippet} does not define {part}"


def test_demo_never_deletes_a_folder_it_did_not_create(tmp_path):
    (tmp_path / "trabajo.txt").write_text("importante")
    with pytest.raises(RuntimeError, match="no es una carpeta de demo"):
        fresh_folder(tmp_path)
    assert (tmp_path / "trabajo.txt").exists()
    fresh_folder(tmp_path / "demo")
    (tmp_path / "demo" / "viejo.txt").write_text("x")
    fresh_folder(tmp_path / "demo")  # its own folder: emptied
    assert not (tmp_path / "demo" / "viejo.txt").exists()
