"""check() and the grade agree on the bank: every bug the grade catches fails the public check of
its part, and every correct alternative passes every public check.

The guide's promise to students is that the local check and the grade agree. The public suites
cannot hold the reference, so before golden_outputs.json (autograder/public/golden.py) and the
hand-picked corners (``strategies.*_regressions()``) joined them, 22 of the bank's 108 bugs
passed ``check()`` and still lost points in the grade (an average pooling in LeNet, a missing
ReLU in GoogLeNet, padding given per axis and swapped in conv2d). The bank is run through the
public suites in batches of independent parts (tests/submissions/gate.py), so each part's
verdict is its own entry's. Only the parts a batch changed run: a bug's part, and an
alternative's part with every part that builds on it (the rest of the batch is the reference, which
tests/test_public_checks.py runs through every public check).
"""
from __future__ import annotations

import pytest

from tests.public_suites import run_public_suites
from tests.submissions.bank import callers, load_bank
from tests.submissions.gate import batch_name, batch_source, plan_batches

ASSIGNMENTS = ("convolutions", "architectures", "segmentation")


@pytest.fixture(scope="module")
def public_verdicts(tmp_path_factory):
    """{entry name: (kind, part, parts that failed a public check)} for every bug and alternative."""
    batches = [batch for assignment in ASSIGNMENTS for kind in ("bug", "alternative")
               for batch in plan_batches([e for e in load_bank(kind, assignment) if e.base == "reference"])]
    runs = run_public_suites([(batch[0].assignment, batch_source(batch, {}), changed_parts(batch)) for batch in batches],
                             tmp_path_factory.mktemp("agreement"), timeout=1800)  # 60 sessions: minutes
    verdicts = {}
    for batch, result in zip(batches, runs["results"]):
        assert not result["internal_errors"] and not result["collection_errors"], batch_name(batch)
        failed = {t["part"] for t in result["tests"] if not t["passed"]}
        for entry in batch:
            verdicts[entry.name] = (entry.kind, entry.part, failed)
    print(f"public checks on the bank: {len(batches)} runs for {len(verdicts)} entries")
    return verdicts


def changed_parts(batch) -> set[str]:
    """The parts whose verdicts a batch can change: each entry's part and, for a correct
    alternative, the parts that use it (a GoogLeNet built from an alternative InceptionBlock)."""
    parts = set()
    for entry in batch:
        parts |= {entry.part} | (callers(entry.assignment, entry.part) if entry.kind == "alternative" else set())
    return parts


def test_every_bug_fails_the_public_check_of_its_part(public_verdicts):
    passed = sorted(name for name, (kind, part, failed) in public_verdicts.items() if kind == "bug" and part not in failed)
    bugs = sum(1 for kind, _part, _failed in public_verdicts.values() if kind == "bug")
    assert bugs >= 100, bugs
    assert not passed, f"{len(passed)} of {bugs} bugs pass check() on their part: {passed}"


def test_every_alternative_passes_every_public_check(public_verdicts):
    failing = sorted(f"{name}: {sorted(failed)}" for name, (kind, _part, failed) in public_verdicts.items()
                     if kind == "alternative" and failed)
    assert any(kind == "alternative" for kind, _part, _failed in public_verdicts.values())
    assert not failing, failing

