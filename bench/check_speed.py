"""How fast a student's ``check(part)`` answers: the first call of a kernel, then warm calls.

``check()`` keeps one grading service per kernel (autograder/public/check.py): the first call
starts it (torch, pytest, Hypothesis and the public suites imported once); every later call runs
a fresh pytest session of the part's public checks in it, on a fresh sandboxed worker that was
pre-started while the student was editing. The bench plays a student who runs the notebook's
solution (the reference, plus a constant that changes each call, so every call grades a new
source) and calls ``check(part)`` for each part, ``--calls`` times, ``--pause`` seconds apart
(the time to read the answer and edit a cell; 0 for back-to-back calls), and prints the first
call and the warm calls' median and worst, in seconds of wall time, against the 2 s target.

Run on an idle machine (``make bench`` does; a loaded one makes the times noisy)::

    .venv/bin/python bench/check_speed.py                       # every part, 3 warm calls each
    .venv/bin/python bench/check_speed.py conv2d ResNet18 --pause 0
    AUTOGRADER_WORKER_TEMPLATE=0 .venv/bin/python bench/check_speed.py   # workers launched apart
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/ (the bank) is read from the repository, not installed

import psutil  # noqa: E402

from autograder.config import load_course  # noqa: E402
from autograder.public.check import assignment_of, check  # noqa: E402
from autograder.sandbox.zygote import DISABLE_ENV  # noqa: E402
from tests.submissions.bank import reference_source  # noqa: E402

#: Seconds a warm check() of one part may take (issue: "under 2 s for one part on an idle 2-core machine").
TARGET_WARM_S = 2.0


def timed_check(course, part: str, source: str) -> tuple[float, bool]:
    """Seconds of one ``check(part)`` call on ``source`` (one cell), and whether every check passed."""
    started = time.monotonic()
    report = check(part, cells=[source], course=course, quiet=True)
    seconds = time.monotonic() - started
    if report is None:
        raise RuntimeError(f"check({part!r}) could not run")
    return seconds, report["score"] == report["max_score"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help="parts to check (default: every part of the course)")
    parser.add_argument("--calls", type=int, default=3, help="warm calls per part (default 3)")
    parser.add_argument("--pause", type=float, default=2.0,
                        help="seconds between calls, a student's reading and editing (default 2)")
    args = parser.parse_args(argv)
    if args.calls < 1:
        parser.error("--calls must be at least 1: the verdict is about warm calls")  # exits 2
    course = load_course()
    parts = args.parts or [part for a in course.assignments for part in a.parts]
    unknown = [part for part in parts if assignment_of(course, part) is None]
    if unknown:
        print(f"check_speed: unknown part(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    workers = "launched apart" if os.environ.get(DISABLE_ENV) == "0" else "forked from a warm template where possible"
    print(f"check() speed: {args.calls} warm calls per part, {args.pause:g} s apart, workers {workers}, "
          f"{psutil.cpu_count()} CPUs, load {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}")
    print(f"  {'part':<20}{'first s':>9}{'warm median':>13}{'warm worst':>12}  verdict")
    worst_overall, wrong, call = 0.0, [], 0
    for part in parts:
        base = reference_source(assignment_of(course, part))
        times = []
        for _ in range(args.calls + 1):
            call += 1
            seconds, passed = timed_check(course, part, f"{base}\n\nLLAMADA = {call}\n")
            if not passed:
                wrong.append(part)
            times.append(seconds)
            time.sleep(args.pause)
        first, warm = times[0], times[1:]
        worst = max(warm)
        worst_overall = max(worst_overall, worst)
        verdict = "ok" if worst < TARGET_WARM_S else "OVER TARGET"
        median = statistics.median(warm)
        print(f"  {part:<20}{first:>9.2f}{median:>13.2f}{worst:>12.2f}  {verdict}", flush=True)
    print(f"  worst warm call: {worst_overall:.2f} s (target < {TARGET_WARM_S:g} s): "
          f"{'ok' if worst_overall < TARGET_WARM_S else 'OVER TARGET'}")
    if wrong:
        print(f"  the reference did not pass every public check of: {', '.join(sorted(set(wrong)))}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
