"""The order in which ``make test`` hands the test files to its xdist workers: the longest first.

``make test`` runs ``pytest -n auto --dist loadfile --no-loadscope-reorder``: each file goes
whole to one worker (its module fixtures start notebooks, gradings and services once), in
collection order, the next file to whichever worker runs low first. Collected longest first
(a greedy longest-processing-time schedule), the files keep both cores busy to the end: the
long ones overlap from the start and the many short ones fill the gaps at the end. xdist's own
order (by number of tests) handed out last the files with few tests and a long fixture
(the notebooks' 4 minutes), which then ran alone on one core while the other one idled.

``FILE_SECONDS`` is roughly how long each listed file takes within a full ``make test`` on the
2-core machine (from the runs' ``--durations`` and the files timed alone); only the order
matters, so the figures need no care unless a file's rank changes a lot. The notebooks come
first: a kernel trains its application for minutes, the longest single chain of the run. Files
not listed take under ~20 s each; they keep their alphabetical order, after the listed ones.
Without xdist the order changes nothing but which file runs first.
"""
from __future__ import annotations

from pathlib import Path

#: About how long each file takes in a full run (see module doc); the gate is split per slice of the bank.
FILE_SECONDS = {
    "test_notebooks_run.py": 400,
    "test_export.py": 370,
    "test_quality_gate_architectures.py": 350,
    "test_quality_gate_convolutions_attacks.py": 300,
    "test_quality_gate_segmentation.py": 230,
    "test_quality_gate_convolutions.py": 200,
    "test_grading_service.py": 120,
    "test_grading.py": 100,
    "test_sandbox.py": 90,
    "test_notebook_verdicts.py": 65,
    "test_public_checks.py": 55,
    "test_redteam_ban.py": 45,
    "test_end_to_end.py": 45,
    "test_class_report.py": 40,
    "test_check_anywhere.py": 40,
    "test_cli_errors.py": 40,
    "test_prestarted_workers.py": 30,
}


def pytest_collection_modifyitems(session, config, items):
    """Longest files first (FILE_SECONDS), each file's tests together and in their own order."""
    first_seen: dict[Path, int] = {}
    for item in items:
        first_seen.setdefault(item.path, len(first_seen))
    items.sort(key=lambda item: (-FILE_SECONDS.get(item.path.name, 0), first_seen[item.path]))
