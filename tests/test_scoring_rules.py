"""No points without an answer, and points per test (autograder/grading/scoring.py). In-process, fast."""
from __future__ import annotations

import pytest

from autograder.config import load_course
from autograder.grading.scoring import score_parts

COURSE = load_course()
SPEC = COURSE.assignment("convolutions")
KINDS = ("matches_reference", "examples", "input_unchanged", "gradients", "invalid_arguments")


def outcome(part, kind, passed, message="", raised=None):
    return {"name": f"test_{part}_{kind}", "part": part, "kind": kind, "passed": passed, "builds_on": [],
            "message": "" if passed else (message or "falló"), "raised": raised}


def a_part(part, failing=(), raised=None, message=""):
    return [outcome(part, kind, kind not in failing, message, raised if kind in failing else None) for kind in KINDS]


def test_a_stub_scores_exactly_zero_and_says_it_is_not_done():
    stub = "Tu código lanzó NotImplementedError: "
    # A stub "rejects" every invalid argument (it raises): those tests pass on their own.
    tests = a_part("conv2d", failing=("matches_reference", "examples", "input_unchanged", "gradients"),
                   raised="NotImplementedError", message=stub)
    parts, _ = score_parts(SPEC, COURSE.grading, tests, {})
    conv2d = parts["conv2d"]
    assert conv2d.score == 0 and conv2d.not_implemented
    assert all(not t.passed and t.points == 0 and "No implementada todavía" in t.message
               for t in conv2d.tests)


def test_the_message_is_enough_when_the_worker_did_not_say_the_type():
    tests = a_part("conv2d", failing=("matches_reference", "examples", "input_unchanged", "gradients"),
                   message="Entrada: x: (1, 1, 3, 3)\nTu código lanzó NotImplementedError: ")
    for test in tests:
        test.pop("raised")
    assert score_parts(SPEC, COURSE.grading, tests, {})[0]["conv2d"].not_implemented


def test_an_answer_that_raises_not_implemented_only_sometimes_is_graded_normally():
    tests = a_part("conv2d", failing=("matches_reference",), raised="NotImplementedError")
    conv2d = score_parts(SPEC, COURSE.grading, tests, {})[0]["conv2d"]
    assert not conv2d.not_implemented
    # examples and gradients pass: they count; invalid arguments and input unchanged do not.
    assert conv2d.score == pytest.approx(30 * (2 + 1) / 10)


@pytest.mark.parametrize("kind", ["invalid_arguments", "input_unchanged"])
def test_what_an_empty_answer_also_passes_counts_only_with_a_right_output(kind):
    wrong = a_part("max_pool2d", failing=("matches_reference", "examples", "gradients"))
    parts, _ = score_parts(SPEC, COURSE.grading, wrong, {})
    entry = next(t for t in parts["max_pool2d"].tests if t.kind == kind)
    assert not entry.passed and entry.points == 0 and "prueba principal" in entry.message
    right = a_part("max_pool2d", failing=("gradients",))
    entry = next(t for t in score_parts(SPEC, COURSE.grading, right, {})[0]["max_pool2d"].tests if t.kind == kind)
    assert entry.passed and entry.points == entry.max_points == 1.5


def test_points_per_test_are_round_and_add_up_to_the_part():
    parts, _ = score_parts(SPEC, COURSE.grading, [t for p in SPEC.parts for t in a_part(p)], {})
    shares = {t.kind: t.max_points for t in parts["conv2d"].tests}
    assert shares == {"matches_reference": 15, "examples": 6, "input_unchanged": 3, "gradients": 3,
                      "invalid_arguments": 3}
    for part, entry in parts.items():
        assert sum(t.points for t in entry.tests) == pytest.approx(entry.score) == SPEC.parts[part]
