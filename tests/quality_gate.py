"""The quality gate: the grader, run on every submission of the bank, gives the verdict each expects.

- every bug loses points on its part (its overlay redefines nothing else, see
  test_bank_witnesses.py, so no other part can change but those built on it);
- every correct alternative gets full marks on its part, with no banned-op flag;
- every attack is contained: a report comes back, no correctness test of the attacked part
  passes (a delegation to torch's op scores 0 with a banned_op flag), the total is not above
  what the honest parts earn (and they keep full marks unless the entry says otherwise;
  parts built on the attacked one, like conv_transpose2d on conv2d, may fall with it),
  the expected flag/status is there, the canary outside the sandbox is untouched, nothing
  connected to our listener, no process it started survives, the report leaks neither the
  hidden suite nor the reference and stays small.

The gate is split into one test file per slice of the bank (``tests/test_quality_gate_*.py``:
an assignment, or one kind of entry of an assignment), each made by :func:`gate_module`, so that
``make test``'s xdist workers (``--dist loadfile``: one file, one worker) share the gate instead
of one worker grading all of it. Bugs, alternatives and delegations are graded in batches of
independent parts, the other attacks one by one (tests/submissions/gate.py), one grading per
core among the xdist workers (profile "gate", tighter limits), in a background pool that each
file starts at its first test. Each file prints its counts at the end ("bugs caught 55/55, ..."). Example::

    .venv/bin/pytest tests/test_quality_gate_*.py -q
    .venv/bin/pytest tests/test_quality_gate_segmentation.py -q -k DoubleConv
"""
from __future__ import annotations

import os
import tempfile
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.grading.api import grading_services
from tests.submissions.bank import Entry, callers, dependents, load_bank
from tests.submissions.gate import Outcome, batch_name, gate_course, grade_batch, plan_batches

#: The kinds of entry, in test order (bugs, alternatives, attacks), so the pool finishes what the
#: next test awaits.
KINDS = ("bug", "alternative", "attack")
# One grading per core (each is a session process plus its sandboxed worker, mostly one busy at a
# time), shared by the xdist workers: two gate files running side by side grade one at a time each,
# so the gate never runs more gradings at once than one gate file did (its call_timeout is tight:
# vgg16's construction timed out with two gate files grading two at a time each on a loaded machine).
PARALLEL_GRADINGS = max(1, (os.cpu_count() or 2) // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
#: Text that only the hidden suites or the reference contain; no report may carry it.
SECRET_SNIPPETS = ("### BEGIN SOLUTION", "def test_", "import pytest")
MAX_REPORT_BYTES = 512 * 1024
#: Test kinds that check the part's outputs: an attack must never pass one of them.
CORRECTNESS_KINDS = {"matches_reference", "examples", "gradients", "train_mode"}


class _Scheduler:
    """Grades the batches in a pool as soon as the gate starts; each test waits for its own."""

    def __init__(self, entries: list[Entry]):
        self.course = gate_course(Path(tempfile.mkdtemp(prefix="gate-course-")))
        self.batches = plan_batches(entries)
        self.batch_of = {e.name: i for i, batch in enumerate(self.batches) for e in batch}
        #: Entries checked and entries that passed, by kind: the counts printed at the end.
        self.tally: Counter = Counter()
        self.passed: Counter = Counter()
        # Started at once, in test order. With `make test` (xdist --dist loadfile) a gate file
        # runs in one xdist worker, and its pool is what grades PARALLEL_GRADINGS at a time.
        self.pool = ThreadPoolExecutor(max_workers=PARALLEL_GRADINGS)
        # Through the grading services, as `autograder grade` grades a class: one warm trusted
        # process per slot and a pre-started worker per submission, so every attack is also an
        # attack on the next submission graded in the same service.
        self.services = grading_services(PARALLEL_GRADINGS)
        self.services.__enter__()
        self.futures: dict[int, Future] = {}
        for index in range(len(self.batches)):
            self._future(index)

    def _future(self, index: int) -> Future:
        if index not in self.futures:
            self.futures[index] = self.pool.submit(grade_batch, self.batches[index], self.course)
        return self.futures[index]

    def outcome(self, entry: Entry) -> Outcome:
        outcome = self._future(self.batch_of[entry.name]).result()
        self.tally[entry.kind] += 1
        assert outcome.error is None, f"{batch_name(outcome.batch)}: the grader failed: {outcome.error}"
        return outcome

    def summary(self) -> list[str]:
        done = sorted((f.result() for f in self.futures.values() if f.done() and not f.cancelled()),
                      key=lambda o: -o.seconds)
        counts = ", ".join(f"{label} {self.passed[kind]}/{self.tally[kind]}" for kind, label in
                           (("bug", "bugs caught"), ("alternative", "alternatives"), ("attack", "attacks contained"))
                           if self.tally[kind])
        return [f"\nquality gate: {counts} ({len(done)} gradings, {sum(o.seconds for o in done):.0f} s of grading in all)",
                "slowest: " + ", ".join(f"{batch_name(o.batch)} {o.seconds:.0f} s" for o in done[:4])]


def _part_line(report: dict, part: str) -> str:
    info = report["parts"][part]
    failed = [t["message"].splitlines()[0] for t in info["tests"] if not t["passed"]][:2]
    return f"{part}: {info['score']}/{info['max_score']} {failed}"


def gate_module(assignment: str, kinds: tuple[str, ...] = KINDS) -> dict:
    """The fixture and the tests of one gate file: ``assignment``'s entries of ``kinds``.

    A test file takes them as its own names (``globals().update(gate_module(...))``), so that
    pytest collects them there: each file has its own scheduler, pool and counts.
    """
    bank = {kind: load_bank(kind, assignment) for kind in kinds}
    ordered = [entry for kind in KINDS if kind in bank for entry in bank[kind]]
    assert ordered, f"no entries of {kinds} for {assignment}"

    @pytest.fixture(scope="module")
    def scheduler(request):
        selected = {item.callspec.params["entry"].name for item in request.session.items
                    if getattr(item, "callspec", None) and "entry" in item.callspec.params}
        scheduler = _Scheduler([e for e in ordered if e.name in selected])  # honours -k: only what runs
        yield scheduler
        scheduler.pool.shutdown(wait=True, cancel_futures=True)
        scheduler.services.__exit__(None, None, None)
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():  # the counts are the gate's output: show them
            for line in scheduler.summary():
                reporter.write_line(line) if reporter is not None else print(line)

    def test_bug_loses_points_on_its_part(scheduler, entry: Entry):
        outcome = scheduler.outcome(entry)
        part = outcome.report["parts"][entry.part]
        assert part["score"] < part["max_score"], (
            f"{entry.name} ({entry.description}) was not caught; graded in {batch_name(outcome.batch)}")
        # A bug costs only its own part: every part graded with it that no bug of the batch reaches
        # (not one of theirs, nor built on one without the own-parts comparison) keeps full marks.
        exposed = set()
        for member in outcome.batch:
            exposed |= {member.part} | dependents(member.assignment, member.part) | set(member.costs)
        parts = outcome.report["parts"]
        short = [_part_line(outcome.report, p) for p in parts if p not in exposed and parts[p]["score"] < parts[p]["max_score"]
                 and parts[p]["tests"][0]["kind"] != "not_graded"]
        assert not short, f"{batch_name(outcome.batch)}: parts no bug of it reaches lost points: {short}"
        scheduler.passed["bug"] += 1

    def test_alternative_gets_full_marks(scheduler, entry: Entry):
        report = scheduler.outcome(entry).report
        assert report["status"] == "graded", f"{entry.name}: status {report['status']}: {report['load_error']}"
        part = report["parts"][entry.part]
        assert part["score"] == part["max_score"], f"{entry.name}: {_part_line(report, entry.part)}"
        assert not [f for f in report["flags"] if f["kind"] == "banned_op"], report["flags"]
        scheduler.passed["alternative"] += 1

    def test_attack_is_contained(scheduler, entry: Entry):
        outcome = scheduler.outcome(entry)
        report = outcome.report
        if "bubblewrap" in entry.needs and report["sandbox"] != "bubblewrap":
            pytest.skip(f"only bubblewrap contains this attack; this machine ran {report['sandbox']!r}")
        parts = report["parts"]
        attacked = list(parts) if entry.part == "*" else [entry.part]
        for part in attacked:
            cheated = [t["name"] for t in parts[part]["tests"] if t["passed"] and t["kind"] in CORRECTNESS_KINDS]
            assert not cheated, f"{entry.name}: correctness tests passed: {cheated}"
            if entry.flag == "banned_op":
                assert parts[part]["score"] == 0, f"{entry.name}: {_part_line(report, part)}"
        # The parts this submission attacks (a batch of delegations attacks several), and the parts
        # built on them (the reference conv_transpose2d calls conv2d), which may fall with them.
        exposed = set()
        for member in outcome.batch:
            targets = list(parts) if member.part == "*" else [member.part]
            # callers, not dependents: an attack's objects flow into the caller's own computation in the
            # worker (a lying tensor returned by center_crop corrupts UNet), which no own-parts comparison undoes.
            exposed.update(targets, *(callers(member.assignment, p) for p in targets))
        # What it may earn honestly: the untouched parts, plus properties its code really has (a
        # subclass keeping the reference's layers has the right structure; returning zeros leaves the
        # input unchanged), never a correctness test.
        honest_max = sum(p["max_score"] for name, p in parts.items() if name not in exposed) + sum(
            t["max_points"] for name in exposed for t in parts[name]["tests"] if t["kind"] not in CORRECTNESS_KINDS)
        assert report["score"] <= honest_max + 1e-6, f"{entry.name}: score {report['score']} > {honest_max}"
        if entry.others == "full":
            short = [_part_line(report, p) for p in parts if p not in exposed
                     and parts[p]["score"] < parts[p]["max_score"]]
            assert not short, f"{entry.name}: honest parts lost points: {short}"
        if entry.flag:
            kinds = {(f["kind"], f["part"]) for f in report["flags"]}
            assert (entry.flag, entry.part) in kinds, f"{entry.name}: no {entry.flag} flag; flags: {report['flags']}"
        if entry.status:
            assert report["status"] == entry.status, f"{entry.name}: status {report['status']}"
        assert outcome.canary_intact, f"{entry.name}: the canary file outside the sandbox was changed"
        assert not outcome.outside_files, f"{entry.name}: created files outside: {outcome.outside_files}"
        assert not outcome.connections, f"{entry.name}: reached the network: {outcome.connections}"
        assert not outcome.leftover_pids, f"{entry.name}: processes survived the grading: {outcome.leftover_pids}"
        text = outcome.report_text
        assert not [s for s in SECRET_SNIPPETS if s in text], f"{entry.name}: the report leaks secret text"
        assert len(text.encode()) < MAX_REPORT_BYTES, f"{entry.name}: report of {len(text)} characters"
        scheduler.passed["attack"] += 1

    tests = {"bug": test_bug_loses_points_on_its_part, "alternative": test_alternative_gets_full_marks,
             "attack": test_attack_is_contained}
    names = {"scheduler": scheduler}
    for kind in KINDS:
        if kind in bank:
            names[tests[kind].__name__] = pytest.mark.parametrize("entry", bank[kind], ids=lambda e: e.name)(tests[kind])
    return names
