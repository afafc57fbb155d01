"""What a student reads, in the course's language (issue 9, item 6): cells named after their part,
"puntaje" for the total, the course's own grade scale, worker text never used as a template.

All in-process and cheap: no grading runs here.
"""
from __future__ import annotations

import json
import time

import nbformat
import pytest
from babel.messages.pofile import read_po

from autograder import i18n
from autograder.config import Course, CourseConfigError, GradeScale, load_course
from autograder.grading.submission import load_submission
from autograder.grading.report import Report
from autograder.workflow.feedback_pages import render_feedback


@pytest.fixture
def language():
    """Set a language for one test; the default (Spanish) comes back after it."""
    token = i18n._language.set(i18n.DEFAULT_LANGUAGE)
    yield i18n.set_language
    i18n._language.reset(token)


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Convoluciones")]
    for source, grade_id in cells:
        cell = nbformat.v4.new_code_cell(source)
        if grade_id:
            cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False, "locked": False}
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


CONV2D = "def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):\n    y = x\n    return undefined_name\n"


def _traceback_into_conv2d(sub, line_in_cell=3):
    first, _last, _label, cell_line = next(entry for entry in sub.extraction.line_map
                                           if entry[2] == i18n._("the cell of {part}", part="conv2d"))
    return f'  File "entrega.py", line {first + line_in_cell - cell_line}, in conv2d\nNameError: ...'


def test_feedback_names_the_cell_of_a_part_and_the_line_in_that_cell(tmp_path, language):
    path = _notebook(tmp_path / "nb.ipynb", [("import math", None), (CONV2D, "conv2d"), ("x = 1", "notes")])
    sub = load_submission(path, "convolutions")
    assert sub.extraction.part_cells["conv2d"] == ["la celda de conv2d"]
    mapped = sub.map_text(_traceback_into_conv2d(sub))
    assert mapped.startswith("  la celda de conv2d, línea 3 de la celda, en conv2d")
    assert "entrega.py" not in mapped and "worker" not in mapped
    language("en")
    sub = load_submission(path, "convolutions")
    assert sub.map_text(_traceback_into_conv2d(sub)).startswith("  the cell of conv2d, line 3 of the cell, in conv2d")


def test_a_cell_whose_grade_id_is_no_part_or_is_repeated_keeps_its_number(tmp_path, language):
    path = _notebook(tmp_path / "nb.ipynb", [("import math", "imports"), (CONV2D, "conv2d"), (CONV2D, "conv2d")])
    sub = load_submission(path, "convolutions")
    labels = [entry[2] for entry in sub.extraction.line_map]
    assert "la celda de conv2d" not in labels  # two cells claim it: a name would be ambiguous
    assert set(sub.extraction.part_cells["conv2d"]) <= {"celda 3", "celda 4"}


def _report(**extra):
    test = {"name": "test_conv2d_matches_reference", "kind": "matches_reference", "passed": False,
            "points": 0.0, "max_points": 15.0, "message": "Entrada: x\n<b>forjado</b>", "input": None}
    report = {"assignment": "convolutions", "status": "graded", "score": 45.0, "max_score": 60.0,
              "parts": {"conv2d": {"score": 15.0, "max_score": 30.0, "not_implemented": False,
                                   "cells": ["la celda de conv2d"], "tests": [test]}},
              "flags": [], "notes": [], "load_error": None}
    return Report.from_json({**report, **extra})


def test_the_page_calls_the_total_puntaje_and_shows_the_course_grade_when_it_has_a_scale(language):
    page = render_feedback(_report(final_score=42.0), "<script>ana</script>", "Convoluciones")
    assert "Puntaje: 45 / 60" in page and "puntaje final: 42" in page and "nota final" not in page
    assert "Nota:" not in page  # no scale, no grade
    assert "<script>ana" not in page and "&lt;script&gt;ana" in page  # the name is escaped in _()'s output too
    assert "<b>forjado</b>" not in page
    scale = GradeScale()  # Chile: 1 to 7, a 4 at 60 %
    page = render_feedback(_report(final_score=48.0), "ana", "Convoluciones", scale)
    assert "Nota: 5.5 (escala 1–7; se aprueba con 4)" in page  # 48 / 60 = 80 %
    assert page == render_feedback(_report(final_score=48.0), "ana", "Convoluciones", scale)  # deterministic
    language("en")
    english = render_feedback(_report(), "ana", "Convolutions", scale)
    assert '<html lang="en">' in english and "Score: 45 / 60" in english and "Grade: 5.1" in english
    assert "Puntaje" not in english and "prueba" not in english


def test_the_grade_scale_is_optional_and_checked():
    assert load_course().course.grade_scale is None
    scale = GradeScale(min=1, max=7, passing=4, passing_fraction=0.6)
    assert [scale.grade(f) for f in (0.0, 0.3, 0.6, 0.8, 1.0, 1.5, -1)] == [1.0, 2.5, 4.0, 5.5, 7.0, 7.0, 1.0]
    assert GradeScale(min=0, max=20, passing=10, passing_fraction=0.5, decimals=0).grade(0.75) == 15
    data = json.loads(load_course().model_dump_json())
    data["course"]["grade_scale"] = {"min": 1, "max": 7, "passing": 4, "passing_fraction": 0.6}
    assert Course.model_validate(data).course.grade_scale.grade(0.6) == 4.0
    for wrong in ({"min": 7, "max": 1}, {"passing": 9}, {"passing_fraction": 1.0}, {"scale": 7}):
        with pytest.raises((ValueError, CourseConfigError)):
            GradeScale.model_validate(wrong)


def test_the_spanish_catalog_speaks_of_the_students_code_never_of_the_worker_or_entrega_py():
    with open(i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "student.po", "rb") as handle:
        catalog = read_po(handle, locale="es", domain="student")
    texts = [m.string for m in catalog if m.id]
    texts = [t for s in texts for t in (s if isinstance(s, tuple) else (s,))]
    assert len(texts) > 200
    for banned in ("worker", "entrega.py", "nota final", "la nota sale"):
        assert not [t for t in texts if banned in t.lower()], banned


def test_a_worker_sent_id_is_translated_and_its_fields_stay_text(language):
    msgid = "`{name}` raised NotImplementedError: it is not implemented yet."
    assert i18n.from_untrusted(msgid, {"name": "conv2d"}) == "`conv2d` lanzó NotImplementedError: todavía no está implementada."
    hostile = {"name": "{0.__class__}" + "x" * 5000}
    shown = i18n.from_untrusted(msgid, hostile)
    assert "{0.__class__}" in shown and len(shown) < i18n.UNTRUSTED_FIELD_CHARS + 100
    language("en")
    assert i18n.from_untrusted(msgid, {"name": "conv2d"}) == "`conv2d` raised NotImplementedError: it is not implemented yet."


def test_the_lockdowns_sentences_are_put_in_the_course_language_from_the_catalog(language):
    from autograder.sandbox import client, lockdown

    banned = lockdown._BAN_MESSAGE.format(op="aten::convolution")
    shown = client.localized(f"Traceback...\n{banned}\nmás")
    assert f"{lockdown.BAN_MARKER} aten::convolution no está permitida en esta tarea" in shown and shown.endswith("\nmás")
    # A student's forged sentence: its fields are text, never a template (no format spec runs).
    forged = lockdown.REFUSED_MARKER + " " + lockdown.REFUSED_TEXTS[2].format(module="{0.__class__.__mro__}{x:>9999999}")
    assert client.localized(forged).endswith(" no se permite importar {0.__class__.__mro__}{x:>9999999} en el corrector")
    assert client.localized(lockdown.REFUSED_TEXTS[2]) == lockdown.REFUSED_TEXTS[2]  # no marker: left as it came
    flood = (lockdown.BAN_MARKER + " x" * 100) * 100_000  # megabytes of near-misses stay cheap
    started = time.monotonic()
    assert client.localized(flood) == flood and time.monotonic() - started < 5
    language("en")
    assert client.localized(banned) == banned
