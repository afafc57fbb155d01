"""The pytest plugin that runs a grading suite against one submission's sandboxed worker.

It gives the suites their fixtures (``student``, ``device``), starts the worker once (in the
background, while pytest collects), records each test's outcome as (name, part, kind, passed, message) and the aten
ops each part reached, and enforces the whole-submission time budget. The recorded results are
rewritten to ``result_path`` after every test, so a run killed from outside still leaves what it
graded. Used by autograder/grading/session.py::

    plugin = GradingPlugin(source=src, device="cpu", limits=limits, sandbox="auto",
                           budget_s=900, result_path=Path("result.json"))
    plugin.start_worker_in_background()
    pytest.main([suite_file, ...], plugins=[plugin])
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

import pytest

from autograder.grading.failures import GradingFailure, fail, take_notes
from autograder.i18n import N_, _

#: The line a failure message ends with when its input may not be the smallest failing one.
INPUT_NOTES = {
    "explicit": N_("\n(This input is a fixed case of the tests: none of the generated inputs failed, so "
                   "no smaller one could be searched for.)"),
    "shrink_timeout": N_("\n(The search for a smaller input stopped for time: there may be a smaller "
                         "one that also fails.)"),
}

#: What a failure message says when the suite itself broke (never the test's source).
INTERNAL_ERROR = N_("Internal error of the grader in this test ({kind}); it is not an error in your code: "
                    "tell the teaching team.")


class GradingPlugin:
    """Fixtures, outcome recording and the time budget for one submission (see module doc)."""

    def __init__(self, *, source: str, device: str, limits, sandbox: str, budget_s: float,
                 result_path: Path, only_part: str | Collection[str] | None = None, ban: tuple[str, ...] = (),
                 profile: str = "hidden"):
        self.source = source
        self.target_device = device
        self.limits = limits
        self.sandbox = sandbox
        self.call_timeout = float(limits.call_timeout)
        self.budget_s = budget_s
        self.result_path = Path(result_path)
        self.tests: list[dict] = []
        self.ops_by_part: dict[str, set[str]] = defaultdict(set)
        self.ban = tuple(ban)                  # operator families the worker bans in torch's dispatcher
        self.refused_by_part: dict[str, set[str]] = defaultdict(set)   # banned kernels a call reached
        self.tampering_by_part: dict[str, list[str]] = defaultdict(list)
        self.internal_errors: list[str] = []
        self.current_part: str | None = None
        self.gave_up: dict[str, tuple[str, str, str]] = {}
        self.current_test: str | None = None
        self._worker = None
        self._pieces_worker = None
        self.load = None
        self._started_at = time.monotonic()
        self.worker_ready_s: float | None = None
        self.first_test_at: float | None = None
        self._cpu_at_first_test = 0.0
        self._tests_cpu_s: float | None = None
        self.budget_spent = False
        self.collection_errors: list[str] = []
        #: The parts whose tests run (None: all). Grading asks for one; the project's own tests may ask
        #: for several (tests/test_public_agreement.py runs only the parts a batch of the bank changed).
        self.only_parts = None if only_part is None else frozenset((only_part,) if isinstance(only_part, str) else only_part)
        self._starter: threading.Event | None = None
        self._release: threading.Event | None = None
        self._start_error: Exception | None = None
        self.profile = profile
        #: nodeid -> how the failing input of a generated-input test was found (pytest_runtest_call).
        self.input_origin: dict[str, str] = {}
        self.write(finished=False)  # even a session killed before its first test leaves a result

    # --- the WorkerLink the proxy talks to --------------------------------------------------------
    def worker(self):
        self._ensure_started()
        return self._worker

    def pieces_worker(self):
        """A second worker of the same submission, started on first use, for the student's reused
        parts (``StudentCode.isolated``): the composite under test never ran in it, so nothing a
        part recorded while the composite ran can be replayed to the trusted side's composition."""
        self._ensure_started()
        if self._pieces_worker is None:
            worker = self._new_worker()
            worker.start()
            self._pieces_worker = worker
        return self._pieces_worker

    def record_ops(self, ops) -> None:
        if self.current_part is not None:
            self.ops_by_part[self.current_part].update(ops)

    def record_refusal(self, text: str, ops=()) -> None:
        """What the worker's lockdown refused in a call: banned kernels (``ops``, and marked in a
        student error's ``text``), or operations the audit hook refused."""
        from autograder.sandbox.lockdown import BAN_MARKER, REFUSED_MARKER

        if self.current_part is None:
            return
        self.refused_by_part[self.current_part].update(str(op)[:80] for op in ops)
        for op in re.findall(re.escape(BAN_MARKER) + r" (\S+)", text):
            self.refused_by_part[self.current_part].add(op[:80])
        for what in re.findall(re.escape(REFUSED_MARKER) + r" ([^\n]{1,160})", text):
            entry = _("the grader prevented: {what}", what=what)
            if entry not in self.tampering_by_part[self.current_part]:
                self.tampering_by_part[self.current_part].append(entry)

    def _collect_integrity(self, part: str | None, probe: bool) -> None:
        """Probe the worker (is torch's op still banned?) and file every failed integrity check under ``part``."""
        worker = self._worker
        if worker is None or part is None:
            return
        if probe and self.ban:
            try:
                worker.probe()
            except Exception as exc:  # noqa: BLE001 - a probe never costs a test its verdict
                self.internal_errors.append(f"probe after {part}: {type(exc).__name__}: {str(exc)[:200]}")
        seen = getattr(self, "_integrity_seen", 0)
        for problem in worker.tampering[seen:]:
            self.tampering_by_part[part].append(_("integrity: {problem}", problem=problem))
        self._integrity_seen = len(worker.tampering)

    def check_budget(self) -> None:
        if time.monotonic() - self._started_at > self.budget_s:
            self.budget_spent = True
            fail(_("The total grading time of your submission ran out ({budget:g} s); "
                   "this test did not get to run. Are there Python loops you could vectorize?", budget=self.budget_s))

    def start_worker_in_background(self) -> None:
        """Start the worker (its own torch import) while this process imports torch and pytest.

        The starting thread stays alive until the session ends: bubblewrap's --die-with-parent
        (PR_SET_PDEATHSIG) kills the worker when the *thread* that spawned it exits.
        """
        started = threading.Event()
        self._release = threading.Event()

        def start_and_hold():
            try:
                self._start_worker()
            except Exception as exc:  # re-raised in the main thread, where pytest reports it
                self._start_error = exc
            finally:
                started.set()
            self._release.wait()

        threading.Thread(target=start_and_hold, name="worker-start", daemon=True).start()
        self._starter = started

    def _ensure_started(self) -> None:
        if self._starter is not None:
            self._starter.wait()
            self._starter = None
        if self._start_error is not None:
            raise RuntimeError(f"the sandboxed worker could not start: {self._start_error}")
        if self._worker is None:
            self._start_worker()

    def _new_worker(self):
        """A worker of this submission: pre-started (and locked down, never used) in a grading service."""
        from autograder.sandbox.pool import new_worker

        return new_worker(self.source, device=self.target_device, limits=self.limits, sandbox=self.sandbox,
                          ban=self.ban)

    def _start_worker(self) -> None:
        worker = self._new_worker()
        self.load = worker.start()
        self._worker = worker
        self.worker_ready_s = round(time.monotonic() - self._started_at, 3)

    def _cpu_seconds(self) -> float:
        """CPU seconds so far of this process and of the submission's worker (read from /proc)."""
        used = time.process_time()
        for worker in (self._worker, self._pieces_worker):
            pid = getattr(worker, "_worker_pid", None)
            if pid is not None:
                used += _process_cpu_seconds(pid)
        return used

    # --- fixtures ----------------------------------------------------------------------------------
    @pytest.fixture(scope="session")
    def student(self):
        from autograder.grading.proxy import StudentCode

        return StudentCode(self)

    @pytest.fixture(scope="session")
    def device(self) -> str:
        return self.target_device

    # --- hooks -------------------------------------------------------------------------------------
    def pytest_configure(self, config) -> None:
        config.addinivalue_line("markers", "grading_part(name, kind, builds_on): the part a test grades")

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            last = (report.longreprtext.strip().splitlines() or ["?"])[-1]
            self.collection_errors.append(f"{report.nodeid}: {last}")

    def pytest_collection_modifyitems(self, config, items) -> None:
        if self.only_parts is None:
            return
        keep = [item for item in items if _marker(item)["part"] in self.only_parts]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item) -> None:
        part = _marker(item)["part"]
        if self.current_part is not None and part != self.current_part:
            self._collect_integrity(self.current_part, probe=True)  # after the part's last call
        self.current_part, self.current_test = part, item.name
        take_notes()  # nothing a previous test left
        self._ensure_started()
        if self.first_test_at is None:
            self.first_test_at = time.monotonic()
            self._cpu_at_first_test = self._cpu_seconds()
        if not self.load.ok:
            fail(_("Your submission could not be run: {error}", error=self.load.error))
        if self.current_part not in self.load.defined:
            fail(_("`{part}` was not found: define it (with that name) in its solution cell.",
                   part=self.current_part))
        self.check_budget()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        """Make a failing generated-input test report the smallest failing input it can find.

        Hypothesis shrinks what it generates, never an ``@example``: when a regression example
        is what failed, the test runs again without its examples, and a failure found there
        (shrunk) is reported instead. The verdict is the same either way (the test fails); only
        the input shown changes. Shrinking cut short by the time budget is recorded too.
        """
        from hypothesis.reporting import with_reporter

        reports: list[str] = []
        try:
            with with_reporter(lambda text: reports.append(str(text))):
                return (yield)
        except BaseException as exc:
            if not _is_hypothesis_test(item) or not _shrinking(self.profile):
                raise
            if _failed_on_explicit_example(exc):
                smaller = self._search_generated_inputs(item)
                self.input_origin[item.nodeid] = "shrunk" if smaller is not None else "explicit"
                if smaller is not None:
                    raise smaller from None
            elif any("stopped because it is making very slow progress" in text for text in reports):
                self.input_origin[item.nodeid] = "shrink_timeout"
            else:
                self.input_origin[item.nodeid] = "shrunk"
            raise

    def _search_generated_inputs(self, item) -> BaseException | None:
        """Run ``item`` once more on generated inputs only; its (shrunk) failure, or None.

        Skipped when the part already hung or crashed, or less than a quarter of the time budget
        is left. A timeout or crash found only here is discarded (it must not cost the part's
        other tests their run), and so is the record of it.
        """
        from hypothesis import Phase
        from hypothesis import settings as Settings

        if self.current_part in self.gave_up or time.monotonic() - self._started_at > 0.75 * self.budget_s:
            return None
        test = getattr(item.obj, "__func__", item.obj)
        original = getattr(test, "_hypothesis_internal_use_settings", None)
        if original is None:
            return None
        gave_up = dict(self.gave_up)
        test._hypothesis_internal_use_settings = Settings(
            original, phases=tuple(phase for phase in original.phases if phase != Phase.explicit))
        found = None
        try:
            item.runtest()
        except BaseException as exc:  # noqa: BLE001 - any failure of the test is what we look for
            failure = _find_grading_failure(exc)
            hung = self.current_part in self.gave_up and self.current_part not in gave_up
            found = exc if failure is not None and not hung else None
        finally:
            test._hypothesis_internal_use_settings = original
            self.gave_up.clear()
            self.gave_up.update(gave_up)
        return found

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "setup" and report.passed:
            return
        if report.when == "teardown" and (report.passed or any(t["nodeid"] == item.nodeid for t in self.tests)):
            return
        self._record(item, passed=report.passed, excinfo=call.excinfo)

    def pytest_sessionfinish(self, session) -> None:
        if self._starter is not None:
            self._ensure_started()
        self._collect_integrity(self.current_part, probe=True)
        if self.first_test_at is not None:  # read while the workers still run
            self._tests_cpu_s = round(self._cpu_seconds() - self._cpu_at_first_test, 3)
        for worker in (self._worker, self._pieces_worker):
            if worker is not None:
                worker.close()
        if self._release is not None:
            self._release.set()
        self.write(finished=True)

    # --- results -----------------------------------------------------------------------------------
    def _record(self, item, *, passed: bool, excinfo) -> None:
        marker = _marker(item)
        notes = take_notes()  # a passing test may still say something (failures.note)
        message = " ".join(notes) if passed else self._message(item, excinfo)
        self._collect_integrity(marker["part"], probe=False)  # e.g. a forged reply in this test
        failure = None if passed or excinfo is None else _find_grading_failure(excinfo.value)
        self.tests.append({"nodeid": item.nodeid, "name": item.name, "part": marker["part"],
                           "kind": marker["kind"], "builds_on": list(marker["builds_on"]),
                           "passed": bool(passed), "message": message,
                           "raised": getattr(failure, "exc_type", None),
                           "input": None if passed else self.input_origin.get(item.nodeid)})
        self.write(finished=False)

    def _message(self, item, excinfo) -> str:
        if excinfo is None:
            return _("The test did not pass.")
        failure = _find_grading_failure(excinfo.value)
        if failure is not None:
            note = INPUT_NOTES.get(self.input_origin.get(item.nodeid))
            return str(failure) + (_(note) if note else "")
        kind = type(excinfo.value).__name__
        self.internal_errors.append(f"{item.name}: {kind}: {str(excinfo.value)[:300]}")
        return _(INTERNAL_ERROR, kind=kind)

    def write(self, *, finished: bool) -> None:
        load = self.load
        data = {
            "finished": finished,
            "tests": self.tests,
            "ops_by_part": {part: sorted(ops) for part, ops in sorted(self.ops_by_part.items())},
            "refused_by_part": {part: sorted(ops) for part, ops in sorted(self.refused_by_part.items()) if ops},
            "tampering_by_part": {part: items for part, items in sorted(self.tampering_by_part.items()) if items},
            "lockdown": dict(getattr(self._worker, "lockdown", {}) or {}),
            "load": None if load is None else {"ok": load.ok, "error": load.error, "traceback": load.traceback,
                                               "defined": list(load.defined)},
            "sandbox": getattr(self._worker, "sandbox_kind", None),
            "worker_notes": list(getattr(self._worker, "notes", []) or []),
            "internal_errors": self.internal_errors,
            "collection_errors": self.collection_errors,
            "budget_spent": self.budget_spent,
            "gave_up": {part: {"test": test, "kind": kind} for part, (test, _m, kind) in sorted(self.gave_up.items())},
            "timings": {"worker_ready_s": self.worker_ready_s,
                        "tests_s": None if self.first_test_at is None
                        else round(time.monotonic() - self.first_test_at, 3),
                        # CPU of the tests proper (this process and the worker): what the bench
                        # subtracts from a student's whole CPU cost to find the start-up's share.
                        "tests_cpu_s": self._tests_cpu_s},
        }
        tmp = self.result_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.result_path)


def _process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _is_hypothesis_test(item) -> bool:
    return getattr(getattr(item, "obj", None), "is_hypothesis_test", False)


def _shrinking(profile: str) -> bool:
    from autograder.grading.profiles import shrinks

    return shrinks(profile)


def _failed_on_explicit_example(exc: BaseException) -> bool:
    """Hypothesis notes "Failing explicit example: ..." on a failure of an ``@example``."""
    notes = [str(n) for n in getattr(exc, "__notes__", ()) or ()]
    for inner in getattr(exc, "exceptions", ()) or ():
        notes += [str(n) for n in getattr(inner, "__notes__", ()) or ()]
    return any(note.startswith("Failing explicit example") for note in notes)


def _marker(item) -> dict:
    mark = item.get_closest_marker("grading_part")
    if mark is None:
        raise pytest.UsageError(f"{item.nodeid}: every grading test needs @part(...)")
    return {"part": mark.kwargs["name"], "kind": mark.kwargs.get("kind", "matches_reference"),
            "builds_on": mark.kwargs.get("builds_on", ())}


def _find_grading_failure(exc: BaseException) -> GradingFailure | None:
    """Our failure, also when Hypothesis wrapped it (e.g. in a FlakyFailure exception group)."""
    if isinstance(exc, GradingFailure):
        return exc
    for inner in getattr(exc, "exceptions", ()) or ():
        found = _find_grading_failure(inner)
        if found is not None:
            return found
    return None
