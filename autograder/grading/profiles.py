"""Hypothesis settings profiles of the grading suites, and the seed each run uses.

"hidden" grades for real; "gate" is the quality gate's faster pass over the submission bank
(fewer examples, but the regression ``@example``s always run); "public" is what students run
locally (fewer examples, another seed). None uses the example database or a deadline: our own
timeouts bound a call, and the same seed must give the same report. Example::

    register_profiles(); settings.load_profile("gate")
"""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

#: Examples per @given test in each profile.
MAX_EXAMPLES = {"hidden": 40, "gate": 8, "public": 6}

PROFILES = tuple(MAX_EXAMPLES)


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
            phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if name != "gate" else ()),
            suppress_health_check=(HealthCheck.too_slow, HealthCheck.differing_executors,
                                   HealthCheck.function_scoped_fixture),
        )
