"""How fast grading is: prints, per assignment, the seconds and peak memory of four gradings.

1. ``reference``: the reference solution, graded as ``autograder grade`` does (profile "hidden",
   sandbox "auto": bubblewrap where it runs).
2. ``rlimits``: the same suite and seed with the worker started without bubblewrap (limits and a
   separate process only). The grader has no in-process mode (student code never runs in the
   trusted process), so the sandbox overhead is bubblewrap / rlimits.
3. ``naive``: a correct submission written with naive nested loops (the bank's ``*_naive_loops``
   alternatives; for the module assignments, the bank's alternatives of every part). It must
   still get full marks; the script says so when it does not.
4. peak memory: the largest resident set of the grading's process tree (session + worker),
   sampled every 50 ms.

Targets on a 2-core machine: reference < 30 s, overhead < 1.5x, naive < 180 s. Run::

    make bench                      # or: .venv/bin/python bench/grading_speed.py [ASSIGNMENT...]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/ (the bank) is read from the repository, not installed

import psutil  # noqa: E402

from autograder.config import load_course  # noqa: E402
from tests.submissions.bank import load_bank, reference_source  # noqa: E402

TARGETS = {"reference_s": 30.0, "overhead": 1.5, "naive_s": 180.0}


def naive_source(assignment: str) -> str:
    """The reference with every naive-loop alternative of the assignment laid over it (or, where
    there are none, every alternative): one correct submission that avoids the fast paths."""
    alternatives = load_bank("alternative", assignment)
    naive = [e for e in alternatives if "naive" in e.path.stem] or alternatives
    return reference_source(assignment) + "".join(f"\n\n# ---- {e.name} ----\n{e.overlay()}" for e in naive)


class PeakMemory:
    """Samples the resident memory of a process and all its descendants; keeps the peak (MiB)."""

    def __init__(self, pid: int, period_s: float = 0.05):
        self.root = psutil.Process(pid)
        self.period_s = period_s
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                tree = [self.root] + self.root.children(recursive=True)
                total = sum(p.memory_info().rss for p in tree if p.is_running())
                self.peak_mib = max(self.peak_mib, total / 2**20)
            except psutil.Error:
                pass
            self._stop.wait(self.period_s)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mib


def grade(assignment: str, source: str, *, sandbox: str, seed: int, profile: str) -> dict:
    """One grading session (the same child process ``grade_submission`` runs), timed from outside."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        src, out = Path(tmp) / "submission.py", Path(tmp) / "result.json"
        src.write_text(source, encoding="utf-8")
        command = [sys.executable, "-m", "autograder.grading.session", "--assignment", assignment,
                   "--source", str(src), "--profile", profile, "--seed", str(seed), "--device", "cpu",
                   "--sandbox", sandbox, "--out", str(out)]
        started = time.monotonic()
        child = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0"})
        memory = PeakMemory(child.pid)
        _, stderr = child.communicate()
        seconds = time.monotonic() - started
        peak = memory.stop()
        if not out.exists():
            raise RuntimeError(f"{assignment}/{sandbox}: no result ({stderr.decode()[-500:]})")
        result = json.loads(out.read_text(encoding="utf-8"))
    tests = result.get("tests", [])
    return {"seconds": seconds, "peak_mib": peak, "sandbox": result.get("sandbox"),
            "passed": sum(t["passed"] for t in tests), "tests": len(tests)}


def bench_assignment(name: str, course, profile: str) -> dict:
    seed = course.seed_for(name, profile)
    reference = reference_source(name)
    rows = {
        "reference": grade(name, reference, sandbox="auto", seed=seed, profile=profile),
        "rlimits": grade(name, reference, sandbox="rlimits", seed=seed, profile=profile),
        "naive": grade(name, naive_source(name), sandbox="auto", seed=seed, profile=profile),
    }
    rows["overhead"] = rows["reference"]["seconds"] / rows["rlimits"]["seconds"]
    return rows


def _verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--profile", default="hidden", help="Hypothesis profile (default: hidden, as graded)")
    args = parser.parse_args(argv)
    course = load_course()
    names = args.assignments or [a.name for a in course.assignments]
    print(f"grading speed, profile {args.profile!r}, {psutil.cpu_count()} CPUs, load "
          f"{' '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    header = f"{'assignment':<14}{'reference':>11}{'rlimits':>9}{'overhead':>10}{'naive':>9}{'peak MiB':>10}  sandbox"
    print(header)
    failures = []
    for name in names:
        rows = bench_assignment(name, course, args.profile)
        ref, raw, naive = rows["reference"], rows["rlimits"], rows["naive"]
        peak = max(ref["peak_mib"], raw["peak_mib"], naive["peak_mib"])
        print(f"{name:<14}{ref['seconds']:>10.1f}s{raw['seconds']:>8.1f}s{rows['overhead']:>9.2f}x"
              f"{naive['seconds']:>8.1f}s{peak:>10.0f}  {ref['sandbox']}")
        for label, row in (("reference", ref), ("rlimits", raw), ("naive", naive)):
            if row["passed"] != row["tests"]:
                failures.append(f"{name}/{label}: {row['passed']}/{row['tests']} tests passed (expected all)")
        checks = [("reference", ref["seconds"] < TARGETS["reference_s"]),
                  ("overhead", rows["overhead"] < TARGETS["overhead"]),
                  ("naive", naive["seconds"] < TARGETS["naive_s"])]
        print("  " + ", ".join(f"{label}: {_verdict(ok)}" for label, ok in checks))
    for failure in failures:
        print(f"FULL MARKS EXPECTED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
