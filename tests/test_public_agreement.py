"""check() and the grade agree on the bank: every bug the grade catches fails the public check of
its part, and every correct alternative passes every public check.

The guide's promise to students is that the local check and the grade agree. The public suites
cannot hold the reference, so before golden_outputs.json (autograder/public/golden.py) and the
hand-picked corners (``strategies.*_regressions()``) joined them, 22 of the bank's 108 bugs
passed ``check()`` and still lost points in the grade (an average pooling in LeNet, a missing
ReLU in GoogLeNet, padding given per axis and swapped in conv2d). The bank is run through the
public suites in batches of independent parts (tests/submissions/gate.py), so each part's
verdict is its own entry's.
"""
from __future__ import annotations

import pytest

from tests.public_suites import run_public_suites
from tests.submissions.bank import load_bank
from tests.submissions.gate import batch_name, batch_source, plan_batches

ASSIGNMENTS = ("convolutions", "architectures", "segmentation")


@pytest.fixture(scope="module")
def public_verdicts(tmp_path_factory):
    """{entry name: (kind, part, parts that failed a public check)} for every bug and alternative."""
    batches = [batch for assignment in ASSIGNMENTS for kind in ("bug", "alternative")
               for batch in plan_batches([e for e in load_bank(kind, assignment) if e.base == "reference"])]
    runs = run_public_suites([(batch[0].assignment, batch_source(batch, {}), None) for batch in batches],
                             tmp_path_factory.mktemp("agreement"), timeout=1800)  # 60 sessions: minutes
    verdicts = {}
    for batch, result in zip(batches, runs["results"]):
        assert not result["internal_errors"] and not result["collection_errors"], batch_name(batch)
        failed = {t["part"] for t in result["tests"] if not t["passed"]}
        for entry in batch:
            verdicts[entry.name] = (entry.kind, entry.part, failed)
    print(f"public checks on the bank: {len(batches)} runs for {len(verdicts)} entries")
    return verdicts


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

