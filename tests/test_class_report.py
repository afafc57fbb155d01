"""The class report as an instructor's worklist, similar submissions, and nbgrader seeing our flags.

A stand-in grader and hand-written reports keep these in seconds (the real sandboxed grader runs
in test_end_to_end.py); nbgrader is real: release, the exchange, gradebook.db and its own
`nbgrader export` command run in the course folder with no flags.
"""
from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.config import REPO_ROOT, load_course
from autograder.i18n import _i
from autograder.workflow.collect import collect_assignment
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.demo import hand_in
from autograder.grading.report import Report
from autograder.workflow.grade_class import grade_class, write_report
from autograder.workflow.layout import class_report_dir, notebook_id, release_dir, submission_dir
from autograder.workflow.nbgrader_setup import GENERATED_HEADER, open_gradebook
from autograder.workflow.release import RosterEntry, release_assignment
from autograder.workflow.class_report import attention_groups, score_rows, summary_lines, write_class_report
from autograder.workflow.sample_class import StudentPlan
from autograder.workflow.similarity import fingerprint, similar_pairs

ASSIGNMENT = "convolutions"
PARTS = {"conv2d": 30.0, "max_pool2d": 15.0, "avg_pool2d": 15.0, "conv_transpose2d": 30.0}
ALTERNATIVES = REPO_ROOT / "tests" / "submissions" / ASSIGNMENT / "alternative"
HOSTILE_NAME = RosterEntry("mala", '<img src=x onerror="alert(1)">', '=HYPERLINK("http://x","y")')


def report(status="graded", scores=None, flags=(), late_days=0, penalty=0.0, message="", load_error=None) -> Report:
    """A report with only what the class report reads (checked by the model as it is built)."""
    return Report.from_json(report_json(status, scores, flags, late_days, penalty, message, load_error))


def report_json(status="graded", scores=None, flags=(), late_days=0, penalty=0.0, message="", load_error=None):
    """The same in its JSON form (what a stand-in grader may return)."""
    scores = scores if scores is not None else dict(PARTS)
    parts = {part: {"score": scores.get(part, 0.0), "max_score": points, "tests": [
        {"name": f"test_{part}_matches_reference", "kind": "matches_reference", "passed": scores.get(part, 0.0) == points,
         "message": "" if scores.get(part, 0.0) == points else message or "Entrada: x: (1, 1, 2, 2)\nmal"}]}
        for part, points in PARTS.items()}
    total = sum(p["score"] for p in parts.values())
    return {"assignment": ASSIGNMENT, "score": total, "max_score": 90.0, "parts": parts, "status": status,
            "flags": list(flags), "notes": [], "load_error": load_error,
            "late": {"days_late": late_days, "penalty": penalty}, "final_score": total - penalty}


class FlaggingGrader:
    """Full marks for every part not left as the stub; ``ines``'s report carries a banned-op flag."""

    def __call__(self, course, submission: Path, assignment: str, device: str = "cpu") -> dict:
        student = submission.parent.parent.name
        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source
                 for c in nbformat.read(submission, as_version=4).cells}
        scores = {p: (v if "NotImplementedError" not in cells.get(p, "NotImplementedError") else 0.0) for p, v in PARTS.items()}
        flags = [{"part": "conv2d", "kind": "banned_op", "message": "usó F.conv2d"}] if student == "ines" else []
        graded = report_json(scores=scores, flags=flags)
        del graded["late"], graded["final_score"]
        return graded


@pytest.fixture(scope="module")
def released_class(tmp_path_factory):
    """`convolutions` released to a roster with names (one hostile); ana (all done) and ines
    (a stub left) submitted through the exchange and collected."""
    folder = tmp_path_factory.mktemp("informe") / "curso"
    course = write_course_copy(folder, assignments=[ASSIGNMENT])
    roster = [RosterEntry("ana", "Ana", "Rojas"), RosterEntry("ines", "Inés", "Castro"), "hugo", HOSTILE_NAME]
    release_assignment(course, ASSIGNMENT, students=roster)
    hand_in(course, StudentPlan("ana", "", {ASSIGNMENT: "reference"}), ASSIGNMENT)
    hand_in(course, StudentPlan("ines", "", {ASSIGNMENT: {"conv_transpose2d": "stub"}}), ASSIGNMENT)
    collect_assignment(course, ASSIGNMENT)
    return folder


@pytest.fixture
def course(released_class, tmp_path):
    shutil.copytree(released_class, tmp_path / "curso", symlinks=True)
    return load_course(tmp_path / "curso" / "course.yaml")


# --- attention groups and denominators ------------------------------------------------------------

def test_attention_groups_name_every_student_who_needs_a_look():
    reports = {
        "ana": report(),
        "bea": report(scores={"conv2d": 30.0}),  # 30 / 90: below half
        "carlos": report(status="load_error", scores={}, load_error="SyntaxError"),
        "dani": report(flags=[{"part": "conv2d", "kind": "timeout", "message": "superó el límite"}]),
        "eva": report(flags=[{"part": None, "kind": "static_scan", "message": "lee archivos"},
                             {"part": "conv2d", "kind": "tampering", "message": "F.conv2d calcula"}]),
        "fede": report(late_days=2, penalty=18.0),
    }
    rows = score_rows(list(PARTS), reports, ["ana", "gonzalo"])
    groups = {g.key: [e["student"] for e in g.entries] for g in attention_groups(rows, reports, {}, 45.0, 90.0)}
    assert groups == {"missing": ["gonzalo"], "load_error": ["carlos"], "runaway": ["dani"], "flagged": ["eva"],
                      "low": ["bea"], "late": ["fede"], "record_error": []}
    assert {r["student"]: r["estado"] for r in rows}["gonzalo"] == "sin entrega"
    assert {r["student"]: r["estado"] for r in rows}["carlos"] == "error de carga"


def test_summary_states_each_denominator_in_words():
    reports = {"a": report(), "b": report(scores={}), "c": report(status="load_error", scores={})}
    lines = summary_lines(score_rows(list(PARTS), reports, ["a", "b", "c", "d"]), 90.0)
    assert lines[0] == "4 estudiantes en la lista; 3 entregaron y 1 no."
    assert lines[1] == "De las 3 entregas: 2 calificadas, 1 con error de carga."
    assert "promedio 30.0 / 90" in lines[2] and "sobre las 3 entregas" in lines[2]  # (90 + 0 + 0) / 3
    assert "Sobre los 4 estudiantes" in lines[3] and "22.5 / 90" in lines[3]  # (90 + 0 + 0 + 0) / 4


# --- similarity ----------------------------------------------------------------------------------

def disguise(source: str, seed: int) -> str:
    """What a student who copies does: rename variables, reflow blank lines, add and drop comments."""
    rng = random.Random(seed)
    for old in ("out", "x", "weight", "bias", "k_h", "k_w", "c_out", "n"):
        source = re.sub(rf"\b{old}\b", f"{old}_{rng.randint(10, 99)}", source)
    lines = [line for line in source.splitlines() if not line.strip().startswith("#")]
    return "# mi solución\n" + "\n\n".join(line.split("  #")[0] + ("  # ok" if rng.random() < 0.3 else "") for line in lines)


def test_similarity_finds_a_disguised_copy_and_not_independent_solutions():
    loops = (ALTERNATIVES / "conv2d_naive_loops.py").read_text()
    einsum = (ALTERNATIVES / "conv2d_einsum_as_strided.py").read_text()
    prints = {"ana": fingerprint(loops), "bruno": fingerprint(disguise(loops, 1)), "carla": fingerprint(einsum)}
    pairs = similar_pairs(prints, threshold=0.8)
    assert [(p.a, p.b) for p in pairs] == [("ana", "bruno")] and pairs[0].similarity >= 0.95


def test_similarity_ignores_the_released_stub():
    stub = (ALTERNATIVES / "conv2d_naive_loops.py").read_text()  # a long stub: what every student starts from
    prints = {"ana": fingerprint(stub), "bruno": fingerprint(stub + "\n# sin cambios\n")}
    assert similar_pairs(prints, threshold=0.5, stub=fingerprint(stub)) == []
    assert similar_pairs(prints, threshold=0.5) != []  # without removing it, the two stubs would match


# --- the page and the CSV ---------------------------------------------------------------------------

def test_report_page_escapes_hostile_text_sorts_and_links(course):
    hostile = '<script>alert("x")</script> =cmd|" /C calc"!A0'
    write_report(course, ASSIGNMENT, "ana", report())
    write_report(course, ASSIGNMENT, "ines", report(scores={"conv2d": 30.0}, message=f"Entrada: {hostile}\nmal",
                                                     flags=[{"part": None, "kind": "static_scan", "message": hostile}]))
    write_report(course, ASSIGNMENT, "mala", report(status="load_error", scores={}, load_error=hostile))
    write_class_report(course, ASSIGNMENT)
    folder = class_report_dir(course, ASSIGNMENT)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert page.count("<script>") == 1 and "src=\"http" not in page and "https://" not in page  # inline, no network
    assert 'th class="sortable" data-type="num">final' in page
    assert "Ana Rojas" in page and "Inés Castro" in page
    assert re.search(r'id="attention-missing".*?hugo', page, re.S)
    assert f'href="../../feedback/ana/{ASSIGNMENT}/' not in page  # no feedback page written yet: no dead link
    assert f'href="../../submitted/ana/{ASSIGNMENT}/{ASSIGNMENT}.ipynb"' in page
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO((folder / f"{ASSIGNMENT}.csv").read_text()))}
    assert rows["mala"]["name"].startswith("<img") and rows["mala"]["status"] == "load_error"
    assert rows["hugo"]["estado"] == "sin entrega" and rows["ines"]["flags"] == "marcado para revisión"
    raw = (folder / f"{ASSIGNMENT}.csv").read_text()
    assert '"<img src=x onerror=""alert(1)""> =HYPERLINK(' in raw  # quoted; starts with "<": no formula


def test_two_hundred_students_in_seconds(course, capsys):
    """200 generated submissions (bank alternatives, disguised) with reports: time the whole report."""
    rng = random.Random(20261127)
    released = release_dir(course, ASSIGNMENT) / f"{ASSIGNMENT}.ipynb"
    template = nbformat.read(released, as_version=4)
    bank = {part: sorted(ALTERNATIVES.glob(f"{part}_*.py")) for part in PARTS}
    for i in range(200):
        student = f"e{i:03d}"
        notebook = nbformat.from_dict(template)
        for cell in notebook.cells:
            part = cell.metadata.get("nbgrader", {}).get("grade_id")
            if part in bank and rng.random() < 0.8:
                source = rng.choice(bank[part]).read_text()
                cell.source = disguise(source.split('"""', 2)[-1], rng.random())
        folder = submission_dir(course, ASSIGNMENT, student)
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")
        status = "load_error" if i % 50 == 7 else "graded"
        write_report(course, ASSIGNMENT, student, report(status=status, scores={p: rng.choice([0.0, v]) for p, v in PARTS.items()},
                                                         late_days=int(i % 17 == 0), penalty=9.0 * (i % 17 == 0)))
    started = time.monotonic()
    write_class_report(course, ASSIGNMENT)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nclass report of 200 generated students: {elapsed:.1f} s")
    page = (class_report_dir(course, ASSIGNMENT) / "index.html").read_text(encoding="utf-8")
    assert page.count('<tr><td>e') >= 200 and "204 estudiantes en la lista" in page


# --- nbgrader sees what we see ------------------------------------------------------------------------

def test_flags_names_and_nbgrader_export_with_no_flags(course):
    config = course.course_dir / "nbgrader_config.py"
    assert config.read_text(encoding="utf-8").startswith(_i(GENERATED_HEADER))
    grade_class(course, ASSIGNMENT, grade=FlaggingGrader())
    notebook = notebook_id(course, ASSIGNMENT)
    with open_gradebook(course) as gradebook:
        assert gradebook.find_submission_notebook(notebook, ASSIGNMENT, "ines").flagged is True
        assert gradebook.find_submission_notebook(notebook, ASSIGNMENT, "ana").flagged is False
        ana = gradebook.find_student("ana")
        assert (ana.first_name, ana.last_name) == ("Ana", "Rojas")
        assert gradebook.find_student("hugo").first_name is None  # a bare id on the roster
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=course.course_dir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["student_id"]: r for r in csv.DictReader((course.course_dir / "grades.csv").open())}
    assert float(rows["ana"]["score"]) == 90.0 and float(rows["ines"]["score"]) == 60.0
    assert float(rows["hugo"]["score"]) == 0.0 and rows["ana"]["first_name"] == "Ana"

    # A regrade whose report has no flag clears nbgrader's flag: it follows the report.
    class Clean(FlaggingGrader):
        def __call__(self, *args, **kwargs):
            graded = super().__call__(*args, **kwargs)
            graded["flags"] = []
            return graded

    grade_class(course, ASSIGNMENT, grade=Clean(), force=True)
    with open_gradebook(course) as gradebook:
        assert gradebook.find_submission_notebook(notebook, ASSIGNMENT, "ines").flagged is False


def test_roster_csv_gives_names_and_skips_rows_without_an_id(tmp_path):
    from autograder.workflow.release import read_roster

    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nana,Ana,Rojas,ana@x.cl\n,Nadie,,\nhugo,,,\n", encoding="utf-8")
    assert read_roster(roster) == [RosterEntry("ana", "Ana", "Rojas", "ana@x.cl"), RosterEntry("hugo")]
