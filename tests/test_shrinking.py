"""The graded feedback shows the smallest failing input it found, or says why it may not be.

Hypothesis shrinks what it generates but never an ``@example``; the grading plugin
(autograder/grading/plugin.py) re-runs a test whose regression example failed on generated
inputs only, and reports that (shrunk) failure instead. In-process and fast: a toy suite run by
the real plugin, with the worker replaced by a stand-in that "loaded" the part.
"""
from __future__ import annotations

import json
import textwrap
from types import SimpleNamespace

import pytest

from autograder.grading.plugin import INPUT_NOTES, GradingPlugin
from autograder.i18n import _
from autograder.grading.session import PYTEST_INI

TOY_SUITE = '''
from hypothesis import example, given, strategies as st
from autograder.grading.harness import fail, part


@part("f")
@given(n=st.integers(0, 1000))
@example(n=977)
def test_f_fails_from_five_on(n):
    if n >= 5:
        fail(f"n = {n}: se esperaba otra cosa.")


@part("f", kind="examples")
@given(n=st.integers(0, 1000))
@example(n=977)
def test_f_fails_only_on_the_example(n):
    if n == 977:
        fail(f"n = {n}: se esperaba otra cosa.")


@part("f", kind="gradients")
@given(n=st.integers(0, 1000))
def test_f_generated_only(n):
    if n >= 7:
        fail(f"n = {n}: se esperaba otra cosa.")
'''


def run_toy_suite(tmp_path, profile: str) -> dict[str, dict]:
    from hypothesis import settings

    from autograder.grading.profiles import apply_shrink_budget, register_profiles

    from hypothesis.internal.conjecture import engine

    suite = tmp_path / f"test_toy_{profile}.py"  # a module name of its own per run (pytest caches modules)
    suite.write_text(textwrap.dedent(TOY_SUITE), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    plugin = GradingPlugin(source="", device="cpu", limits=SimpleNamespace(call_timeout=5), sandbox="rlimits",
                           budget_s=600, result_path=tmp_path / "result.json", profile=profile)
    plugin._ensure_started = lambda: None  # no worker: the toy tests never call the student
    plugin.load = SimpleNamespace(ok=True, defined=("f",), error=None, traceback="")
    register_profiles()
    previous, shrink_seconds = settings.default, engine.MAX_SHRINKING_SECONDS
    settings.load_profile(profile)
    apply_shrink_budget(profile)
    try:
        pytest.main([str(suite), "-c", str(tmp_path / "pytest.ini"), "-q", "-p", "no:cacheprovider",
                     "-p", "no:randomly", "--hypothesis-seed=7"], plugins=[plugin])
    finally:
        settings.register_profile("_restored", previous)
        settings.load_profile("_restored")
        engine.MAX_SHRINKING_SECONDS = shrink_seconds
    plugin.write(finished=True)
    return {t["name"]: t for t in json.loads((tmp_path / "result.json").read_text())["tests"]}


def test_a_failing_regression_example_is_replaced_by_the_smallest_generated_failure(tmp_path):
    tests = run_toy_suite(tmp_path, "hidden")
    shrunk = tests["test_f_fails_from_five_on"]
    assert not shrunk["passed"] and shrunk["message"].startswith("n = 5:"), shrunk["message"]
    assert shrunk["input"] == "shrunk"
    # Only the example fails: it is what the student sees, and the message says it is a fixed case.
    fixed = tests["test_f_fails_only_on_the_example"]
    assert fixed["message"].startswith("n = 977:") and fixed["message"].endswith(_(INPUT_NOTES["explicit"]))
    assert fixed["input"] == "explicit"
    generated = tests["test_f_generated_only"]
    assert generated["message"].startswith("n = 7:") and generated["input"] == "shrunk"


def test_the_gate_profile_does_not_search(tmp_path):
    tests = run_toy_suite(tmp_path, "gate")
    assert tests["test_f_fails_from_five_on"]["message"].startswith("n = 977:")  # the example, as it failed
    assert tests["test_f_fails_from_five_on"]["input"] is None
