"""Hypothesis settings profiles of the grading suites, and the seed each run uses.

"hidden" grades for real; "gate" is the quality gate's faster pass over the submission bank
(fewer examples, but the regression ``@example``s always run); "public" is what students run
locally (fewer examples, another seed). None uses the example database or a deadline: our own
timeouts bound a call, and the same seed must give the same report.

Shrinking: "hidden" and "public" shrink every failing input (the feedback shows the smallest one
found), for at most :data:`SHRINK_SECONDS` per test (Hypothesis' own cap is five minutes; a slow
submission must not spend its whole budget there). When a regression ``@example`` is what fails
(Hypothesis never shrinks those), the grading plugin searches the generated inputs for a smaller
failing one (autograder/grading/plugin.py). The gate skips shrinking: it only asks whether an
entry loses points. Example::

    register_profiles(); settings.load_profile("gate"); apply_shrink_budget("gate")
"""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

#: Examples per @given test in each profile.
MAX_EXAMPLES = {"hidden": 40, "gate": 8, "public": 6}

PROFILES = tuple(MAX_EXAMPLES)

#: Seconds Hypothesis may spend shrinking the failing input of one test, per profile.
SHRINK_SECONDS = {"hidden": 20, "gate": 0, "public": 10}


def shrinks(profile: str) -> bool:
    return SHRINK_SECONDS.get(profile, 0) > 0


def apply_shrink_budget(profile: str) -> None:
    """Cap Hypothesis' shrinking time per test for this process (a grading session runs one profile)."""
    from hypothesis.internal.conjecture import engine

    if hasattr(engine, "MAX_SHRINKING_SECONDS") and shrinks(profile):
        engine.MAX_SHRINKING_SECONDS = SHRINK_SECONDS[profile]


def register_profiles() -> None:
    """Register every profile with Hypothesis (idempotent)."""
    for name, examples in MAX_EXAMPLES.items():
        settings.register_profile(
            name,
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=False,          # the seed comes from course.yaml (--hypothesis-seed)
            report_multiple_bugs=False,  # one failure, the smallest, is the student's message
            print_blob=False,
            # "explain" adds notes and time; the message is composed by the harness instead.
            # The gate only asks whether a bank entry loses points, not for the smallest input.
            phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if shrinks(name) else ()),
            suppress_health_check=(HealthCheck.too_slow, HealthCheck.differing_executors,
                                   HealthCheck.function_scoped_fixture),
        )
