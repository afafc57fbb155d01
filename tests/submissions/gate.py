"""Grading the bank for the quality gate: batches of entries, and the evidence around each grading.

Grading is dominated by its fixed cost (a session process, a sandboxed worker importing torch),
so bugs and alternatives are graded in BATCHES: one submission holding one entry per part, the
reference underneath (delegation attacks too: the ban is judged part by part), never two parts
of which one builds on the other (the reference
conv_transpose2d calls conv2d: a conv2d bug would make a conv_transpose2d bug look caught).
Each part's verdict then belongs to its entry alone. Other attacks are graded one per submission: each tests the grader's isolation by itself.

For an attack, the gate prepares what the attack aims at before grading (a canary file in a
folder outside the sandbox, a TCP listener on 127.0.0.1, a unique marker for the processes it
tries to leave behind), fills the entry's placeholders with them, grades, and then records what
happened outside: was the canary touched, did anything connect, is a marked process alive.
Example::

    for batch in plan_batches(load_bank()):
        outcome = grade_batch(batch, course)
        outcome.report["parts"][batch[0].part]["score"], outcome.connections, outcome.leftover_pids
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.submissions.bank import REPO_ROOT, Entry, callers, reference_source

#: Tighter limits than course.yaml's, so the attacks that hang or hoard fail fast.
#: Every honest call in the bank takes a small fraction of them (bench/grading_speed.py).
GATE_GRADING = {"call_timeout": 8, "submission_timeout": 240, "memory_mb": 3072}
CANARY_TEXT = "canario del quality gate: nadie debe tocar este archivo\n"
#: How long processes the grader killed get to disappear before they count as leftovers.
LEFTOVER_GRACE_S = 5.0


def gate_course(folder: Path):
    """course.yaml with the gate's limits, written to ``folder`` and loaded (the grader reads it)."""
    from autograder.config import load_course

    data = yaml.safe_load((REPO_ROOT / "course.yaml").read_text(encoding="utf-8"))
    data["grading"].update(GATE_GRADING)
    path = Path(folder) / "course.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_course(path)


class _Listener:
    """A TCP server on 127.0.0.1 that records every connection (none may arrive from a sandbox)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections.append(f"{peer[0]}:{peer[1]}")
            conn.close()

    def close(self) -> list[str]:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
        return self.connections


def batchable(entry: Entry) -> bool:
    """Bugs, alternatives and plain delegations to torch's op; not attacks on the grader itself."""
    return entry.base == "reference" and (entry.kind != "attack" or entry.flag == "banned_op")


def plan_batches(entries: list[Entry]) -> list[list[Entry]]:
    """Group entries into submissions of independent parts; attacks on the grader stay alone.

    Greedy, in the given order: an entry joins the first batch of the same assignment and kind
    that has no entry for its part, no part it builds on or that builds on it, and no private
    name in common (overlays bind ``_reference_<part>``-style helpers).
    """
    batches: list[list[Entry]] = []
    for entry in entries:
        home = None
        if batchable(entry):
            for batch in batches:
                if _fits(entry, batch):
                    home = batch
                    break
        if home is None:
            batches.append([entry])
        else:
            home.append(entry)
    return batches


def _fits(entry: Entry, batch: list[Entry]) -> bool:
    first = batch[0]
    if first.kind != entry.kind or first.assignment != entry.assignment or not batchable(first):
        return False
    related = {entry.part} | callers(entry.assignment, entry.part)
    names = entry.bound_names()
    for other in batch:
        if other.part in related or entry.part in callers(other.assignment, other.part):
            return False
        if names & other.bound_names():
            return False
    return True


def batch_name(batch: list[Entry]) -> str:
    return batch[0].name if len(batch) == 1 else f"{batch[0].assignment}/{batch[0].kind}-batch(" + \
        ",".join(e.path.stem for e in batch) + ")"


def batch_source(batch: list[Entry], values: dict[str, str]) -> str:
    """The submission of a batch: one entry's own source, or the reference plus every overlay."""
    if len(batch) == 1:
        return batch[0].source(values)
    overlays = "".join(f"\n\n# ---- overlay: {e.name} ----\n{e.overlay()}" for e in batch)
    return reference_source(batch[0].assignment) + overlays


def verbatim_submission(batch: list[Entry], path: Path):
    """An attack whose load-time code the extraction would drop, as a Submission that keeps it.

    Grading runs only a submission's definitions (autograder/grading/extraction.py), so an
    attack's top-level ``os._exit(0)`` or ``while True: pass`` never reaches the worker through a
    file. A student still gets the same code run at load time inside a class body (a class body
    is a definition: tests/test_submission_loading.py), so the gate hands such attacks to the
    worker as written, to keep testing what the sandbox contains. Everything else goes through
    the real extraction. None when the file is graded as it is.
    """
    from autograder.grading.extraction import CodeCell, extract_cells
    from autograder.grading.submission import IMPORT_HEADER, Submission

    if len(batch) != 1 or batch[0].kind != "attack":
        return None
    text = path.read_text(encoding="utf-8")
    extraction = extract_cells([CodeCell(path.name, text)], [])
    if not extraction.dropped:
        return None
    return Submission(source=IMPORT_HEADER + "\n\n" + text)


@dataclass
class Outcome:
    """What grading one batch produced: the report (or the grader's error) and the evidence."""

    batch: list[Entry]
    report: dict | None = None
    error: str | None = None
    seconds: float = 0.0
    canary_intact: bool = True
    outside_files: list[str] = field(default_factory=list)
    connections: list[str] = field(default_factory=list)
    leftover_pids: list[int] = field(default_factory=list)

    @property
    def report_text(self) -> str:
        return json.dumps(self.report, ensure_ascii=False) if self.report is not None else ""


def _marked_processes(marker: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if marker.encode() in handle.read():
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def _leftovers(marker: str) -> list[int]:
    """Processes carrying the marker that outlive the grace period; they are then ended (ours)."""
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    pids = _marked_processes(marker)
    while pids and time.monotonic() < deadline:
        time.sleep(0.2)
        pids = _marked_processes(marker)
    for pid in pids:  # started by this test's attack: clean up so the machine stays usable
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return pids


def grade_batch(batch: list[Entry], course) -> Outcome:
    """Grade one batch with profile "gate" and gather the evidence around it (see module doc).

    A lone bug or alternative is graded on its own part only (``only_part``): cheaper, and no
    other part can change (its overlay binds nothing else).
    """
    from autograder.grading.api import grade_submission

    only_part = batch[0].part if len(batch) == 1 and batch[0].kind != "attack" else None
    outcome = Outcome(batch)
    outside = Path(tempfile.mkdtemp(prefix="gate-outside-"))
    canary = outside / "canary.txt"
    canary.write_text(CANARY_TEXT, encoding="utf-8")
    os.chmod(outside, 0o755)  # readable, as a real home folder would be; not writable by others
    marker = f"gate-marker-{uuid.uuid4().hex}"
    listener = _Listener()
    values = {"__GATE_CANARY__": str(canary), "__GATE_MARKER__": marker,
              "__GATE_PORT__": str(listener.port), "__GATE_OUTSIDE__": str(REPO_ROOT)}
    work = Path(tempfile.mkdtemp(prefix="gate-submission-"))
    submission = work / f"{batch[0].path.stem}.py"
    submission.write_text(batch_source(batch, values), encoding="utf-8")
    started = time.monotonic()
    try:
        outcome.report = grade_submission(course, verbatim_submission(batch, submission) or submission,
                                          batch[0].assignment, profile="gate", only_part=only_part)
    except Exception as exc:  # noqa: BLE001 - the grader failing is the finding
        outcome.error = f"{type(exc).__name__}: {exc}"
    finally:
        outcome.seconds = time.monotonic() - started
        outcome.connections = listener.close()
        outcome.leftover_pids = _leftovers(marker)
        outcome.canary_intact = canary.exists() and canary.read_text(encoding="utf-8") == CANARY_TEXT
        outcome.outside_files = sorted(p.name for p in outside.iterdir() if p.name != "canary.txt")
        shutil.rmtree(outside, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return outcome
