"""How fast a class is graded: start-up versus tests per student, throughput, the peer and the sandbox.

The bench makes ``--students`` distinct students of an assignment (the reference with each of the
bank's bugs and correct alternatives laid over it in turn, plus a constant that tells them apart)
and, with ``--jobs`` at a time as ``autograder grade ASSIGNMENT --jobs`` does, measures:

1. ``per-process``: ``grade_submission`` as before grading services: one trusted session process
   and one sandboxed worker per student, each importing torch, pytest and the suites.
2. ``service``: the same inside ``grading_services`` (what class grading uses): one service per job
   that imports everything once, and the next worker pre-started: forked from a warm template
   (autograder/sandbox/zygote.py) where it can be.
   ``service-spawn``: the same with the template off (``AUTOGRADER_WORKER_TEMPLATE=0``): each
   pre-started worker launched apart, importing torch itself.
3. ``service, rlimits``: (2) with the worker started with rlimits only (no bubblewrap): the
   sandbox's slowdown is (2) / (3).
4. ``peer``: each student's notebook executed in a Jupyter kernel (nbclient) followed by four
   CS231n-style cells of fixed assertions against torch (the way an nbgrader autograde course
   grades), ``--jobs`` kernels at a time.

CPU-seconds are those of the bench and every process it started (sessions, services, workers,
kernels; sampled, see :class:`CpuMeter`); a student's *tests* CPU is the report's ``timings.tests_cpu_s`` (the trusted
side and the worker from the first test to the last) and its *start-up* is the rest. Run::

    make bench                                        # convolutions, 8 students (a few minutes)
    .venv/bin/python bench/class_speed.py --students 50 architectures
    .venv/bin/python bench/class_speed.py --students 200 --skip per-process,peer convolutions
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/ (the bank) is read from the repository, not installed

import psutil  # noqa: E402

from autograder.config import load_course  # noqa: E402
from autograder.grading.api import grade_submission, grading_services  # noqa: E402
from autograder.sandbox.zygote import DISABLE_ENV  # noqa: E402
from tests.submissions.bank import load_bank, reference_source  # noqa: E402

MODES = ("per-process", "service", "service-spawn", "service-rlimits", "peer")
TARGETS = {"startup_cpu_s": 0.5, "peer_ratio": 0.5}

#: The peer's fixed assertions, one cell each (CS231n style: a few fixed inputs against torch).
PEER_CHECKS = {
    "convolutions": [
        "g = torch.Generator().manual_seed(0)\nx = torch.randn(2, 3, 7, 7, dtype=torch.float64, generator=g)\n"
        "w = torch.randn(4, 3, 3, 3, dtype=torch.float64, generator=g)\nb = torch.randn(4, dtype=torch.float64, generator=g)\n"
        "assert torch.allclose(conv2d(x, w, b, stride=2, padding=1), F.conv2d(x, w, b, stride=2, padding=1))",
        "assert torch.allclose(max_pool2d(x, 2), F.max_pool2d(x, 2))",
        "assert torch.allclose(avg_pool2d(x, 3, stride=2, padding=1), F.avg_pool2d(x, 3, stride=2, padding=1))",
        "wt = torch.randn(3, 4, 3, 3, dtype=torch.float64, generator=g)\n"
        "assert torch.allclose(conv_transpose2d(x, wt, stride=2), F.conv_transpose2d(x, wt, stride=2))",
    ],
    "architectures": [
        "assert conv_output_size(32, 5) == 28 and conv_output_size(224, 11, stride=4, padding=2) == 55",
        "assert LeNet()(torch.zeros(2, 1, 28, 28)).shape == (2, 10)",  # the statement's LeNet takes 28x28
        "assert ResidualBlock(8, 16, stride=2)(torch.zeros(2, 8, 8, 8)).shape == (2, 16, 4, 4)",
        "assert InceptionBlock(8, 4, (4, 8), (2, 4), 4)(torch.zeros(1, 8, 7, 7)).shape == (1, 20, 7, 7)",
    ],
    "segmentation": [
        "assert center_crop(torch.zeros(1, 2, 9, 9), 5).shape == (1, 2, 5, 5)",
        "assert DoubleConv(1, 4)(torch.zeros(1, 1, 8, 8)).shape == (1, 4, 8, 8)",
        "net = UNet(in_channels=1, num_classes=2, base_channels=4, depth=2)",
        "assert net(torch.zeros(1, 1, 16, 16)).shape == (1, 2, 16, 16)",
    ],
}


def students(assignment: str, count: int) -> list[str]:
    """``count`` distinct submissions: the reference, then each bug and alternative laid over it."""
    entries = [e for kind in ("bug", "alternative") for e in load_bank(kind, assignment) if e.base != "none"]
    made = []
    for index in range(count):
        body = reference_source(assignment) if index == 0 else entries[(index - 1) % len(entries)].source()
        made.append(f"{body}\n\nALUMNO = {index}\n")
    return made


class CpuMeter:
    """CPU-seconds of this process and of every process it starts, however they end.

    ``RUSAGE_CHILDREN`` misses a sandboxed worker (bubblewrap is killed, so never waits for it):
    every descendant is sampled instead (each 0.1 s; what one does in its last 0.1 s is lost).
    """

    def __init__(self, period_s: float = 0.1):
        self.me = psutil.Process()
        self.period_s = period_s
        self.seen: dict[tuple, float] = {}
        self.kinds: dict[tuple, str] = {}
        self.own = time.process_time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                children = self.me.children(recursive=True)
            except psutil.Error:
                children = []
            for child in children:
                try:
                    with child.oneshot():
                        times = child.cpu_times()
                        key = (child.pid, child.create_time())
                        self.seen[key] = times.user + times.system
                    if key not in self.kinds:
                        self.kinds[key] = _process_kind(child.cmdline())
                except psutil.Error:
                    continue
            self._stop.wait(self.period_s)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.own = time.process_time() - self.own
        return sum(self.seen.values()) + self.own

    def by_kind(self) -> dict[str, tuple[float, int]]:
        """CPU-seconds and process count per kind (after :meth:`stop`): where the start-up goes."""
        found = {"parent": (self.own, 1)}
        for key, used in self.seen.items():
            kind = self.kinds.get(key, "other")
            cpu, count = found.get(kind, (0.0, 0))
            found[kind] = (cpu + used, count + 1)
        return found


def _process_kind(cmdline: list[str]) -> str:
    """``service``, ``session`` (a one-off one), ``forked`` (a template and what it forked), ``worker``
    (a sandboxed python launched apart, its bwrap) or ``other``."""
    text = " ".join(cmdline)
    if "autograder.grading.service" in text:
        return "service"
    if "autograder.grading.session" in text:
        return "session"
    if "template.py" in text:  # the template, its keepers and the workers forked from it (one cmdline)
        return "forked"
    if "bwrap" in text or (len(cmdline) > 1 and cmdline[1] == "-I"):
        return "worker"
    return "other"


def grade_all(course, assignment: str, files: list[Path], *, jobs: int, service: bool, sandbox: str) -> dict:
    def one(path: Path) -> dict:
        return grade_submission(course, path, assignment, sandbox=sandbox)

    meter, started = CpuMeter(), time.monotonic()
    if service:
        with grading_services(jobs), ThreadPoolExecutor(jobs) as pool:
            reports = list(pool.map(one, files))
    else:
        with ThreadPoolExecutor(jobs) as pool:
            reports = list(pool.map(one, files))
    wall, cpu = time.monotonic() - started, meter.stop()
    tests_cpu = sum((r["timings"].get("tests_cpu_s") or 0.0) for r in reports)
    return {"wall_s": wall, "cpu_s": cpu, "tests_cpu_s": tests_cpu, "reports": reports, "by_kind": meter.by_kind(),
            "tests_s": sum((r["timings"].get("tests_s") or 0.0) for r in reports)}


def peer_all(assignment: str, sources: list[str], *, jobs: int, folder: Path) -> dict:
    """Each source as a notebook (its code cell, then the fixed assertions) run in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    checks = PEER_CHECKS[assignment]

    def one(index_source) -> bool:
        index, source = index_source
        cells = [nbformat.v4.new_code_cell(source)] + [nbformat.v4.new_code_cell(c) for c in checks]
        notebook = nbformat.v4.new_notebook(cells=cells)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        client = NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(folder)}})
        try:
            client.execute()
        except CellExecutionError:
            return False
        return all(not any(o.get("output_type") == "error" for o in cell.get("outputs", [])) for cell in notebook.cells)

    meter, started = CpuMeter(), time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        passed = list(pool.map(one, enumerate(sources)))
    return {"wall_s": time.monotonic() - started, "cpu_s": meter.stop(), "passed": passed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=["convolutions"])
    parser.add_argument("--students", type=int, default=8, help="distinct students per assignment (default 8)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip", default="", help=f"comma-separated modes to skip: {', '.join(MODES)}")
    args = parser.parse_args(argv)
    skip = {m for m in args.skip.split(",") if m}
    course = load_course()
    print(f"class grading speed: {args.students} students, --jobs {args.jobs}, profile 'hidden', "
          f"{psutil.cpu_count()} CPUs, load {' '.join(f'{x:.1f}' for x in psutil.getloadavg())} "
          "(a loaded machine makes wall times noisy: compare the ratios and CPU-seconds)")
    for assignment in args.assignments:
        sources = students(assignment, args.students)
        with tempfile.TemporaryDirectory(prefix="bench-class-") as tmp:
            files = []
            for index, source in enumerate(sources):
                path = Path(tmp) / f"alumno{index:03d}.py"
                path.write_text(source, encoding="utf-8")
                files.append(path)
            rows = {}
            for mode in MODES:
                if mode in skip:
                    continue
                print(f"  {assignment}: {mode}...", flush=True)
                if mode == "peer":
                    rows[mode] = peer_all(assignment, sources, jobs=args.jobs, folder=Path(tmp))
                else:
                    if mode == "service-spawn":
                        os.environ[DISABLE_ENV] = "0"  # inherited by the services
                    try:
                        rows[mode] = grade_all(course, assignment, files, jobs=args.jobs, service=mode != "per-process",
                                               sandbox="rlimits" if mode == "service-rlimits" else "auto")
                    finally:
                        os.environ.pop(DISABLE_ENV, None)
        report(assignment, args.students, rows)
    return 0


def report(assignment: str, count: int, rows: dict) -> None:
    print(f"\n{assignment} ({count} students)")
    print(f"  {'mode':<17}{'wall s':>8}{'students/min':>14}{'CPU s/student':>15}{'start-up':>10}{'tests':>8}")
    for mode, row in rows.items():
        per = row["cpu_s"] / count
        tests = row.get("tests_cpu_s", 0.0) / count if mode != "peer" else float("nan")
        startup = per - tests if mode != "peer" else float("nan")
        print(f"  {mode:<17}{row['wall_s']:>8.1f}{60 * count / row['wall_s']:>14.1f}{per:>15.2f}"
              f"{startup:>10.2f}{tests:>8.2f}")
    if "service" in rows:
        service = rows["service"]
        startup = (service["cpu_s"] - service["tests_cpu_s"]) / count
        print(f"  start-up CPU s/student (service): {startup:.2f} (target < {TARGETS['startup_cpu_s']}): "
              f"{'ok' if startup < TARGETS['startup_cpu_s'] else 'OVER TARGET'}")
        # Tests included: a worker's share is its torch import plus its part of the tests.
        print("  CPU s/student by process (service, tests included): " + ", ".join(
            f"{kind} {cpu / count:.2f} ({n} process{'es' if n > 1 else ''})"
            for kind, (cpu, n) in sorted(service["by_kind"].items())))
        if "per-process" in rows:
            print(f"  service vs per-process: {rows['per-process']['wall_s'] / service['wall_s']:.2f}x the throughput, "
                  f"{rows['per-process']['cpu_s'] / service['cpu_s']:.2f}x less CPU")
        if "service-spawn" in rows:
            spawn = rows["service-spawn"]
            print(f"  template vs a worker launched per student: start-up "
                  f"{(spawn['cpu_s'] - spawn['tests_cpu_s']) / count:.2f} -> {startup:.2f} CPU s/student, "
                  f"worker_ready_s {_mean_ready(spawn):.2f} -> {_mean_ready(service):.2f}")
        if "service-rlimits" in rows:
            print(f"  sandbox slowdown (bubblewrap / rlimits only): {service['wall_s'] / rows['service-rlimits']['wall_s']:.2f}x"
                  f" wall, {service['cpu_s'] / rows['service-rlimits']['cpu_s']:.2f}x CPU")
        if "peer" in rows:
            peer = rows["peer"]
            ratio = service["wall_s"] / peer["wall_s"]
            print(f"  ratio to the peer (nbclient + fixed assertions): {ratio:.2f} wall, "
                  f"{service['cpu_s'] / peer['cpu_s']:.2f} CPU (target < {TARGETS['peer_ratio']}): "
                  f"{'ok' if ratio < TARGETS['peer_ratio'] else 'OVER TARGET'}; the peer passed "
                  f"{sum(peer['passed'])}/{count}, the grader gave full marks to "
                  f"{sum(r['score'] == r['max_score'] for r in service['reports'])}/{count}")
        statuses = {}
        for r in service["reports"]:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        print(f"  statuses (service): {statuses}")


def _mean_ready(row: dict) -> float:
    ready = [r["timings"].get("worker_ready_s") or 0.0 for r in row["reports"]]
    return sum(ready) / max(len(ready), 1)


if __name__ == "__main__":
    sys.exit(main())
