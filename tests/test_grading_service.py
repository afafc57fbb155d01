"""Grading services (autograder/grading/service.py): many submissions, one process, the same reports.

Every report graded in a service must equal, byte for byte apart from ``timings``, the one a fresh
process gives; a submission that hangs or kills the service must not change the next one's.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.config import load_course
from autograder.grading import api
from autograder.grading.api import GraderError, grade_submission, grading_services
from tests.submissions.bank import reference_source

COURSE = load_course()
REFERENCE = reference_source("convolutions")
# A bug in one part, plus state a hostile submission leaves in its worker (never in the service).
HOSTILE_BUG = REFERENCE + '''
import builtins
open("dejado", "w").write("x")  # its working folder (the private /tmp under bubblewrap)
builtins.dejado = True
torch.manual_seed(99)
_reference_max_pool2d = max_pool2d

def max_pool2d(x, kernel_size, stride=None, padding=0):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    stride = kernel_size if stride is None else stride
    return _reference_max_pool2d(F.pad(x, (pw, pw, ph, ph)), kernel_size, stride, 0)
'''
# Extraction drops top-level loops: the hang must be in a part (the call timeout is 120 s).
HANGS = REFERENCE + """
def max_pool2d(x, kernel_size, stride=None, padding=0):
    while True:
        pass
"""


def canonical(report: dict) -> str:
    return json.dumps({key: value for key, value in report.items() if key != "timings"}, sort_keys=True)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("service")
    found = {"a": REFERENCE, "b": HOSTILE_BUG, "hang": HANGS}
    for name, text in found.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return {name: folder / f"{name}.py" for name in found}


@pytest.fixture(scope="module")
def fresh(files) -> dict[str, str]:
    """The reports of one fresh process per submission (no service)."""
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(grade_submission, COURSE, files[name], "convolutions", profile="gate")
                   for name in ("a", "b")}
        return {name: canonical(future.result()) for name, future in futures.items()}


def test_a_service_grades_a_b_a_as_fresh_processes_do(files, fresh):
    with grading_services(1) as services:
        reports = [grade_submission(COURSE, files[name], "convolutions", profile="gate") for name in "aba"]
        assert len(services._all) == 1  # one process graded all three
    assert [canonical(r) for r in reports] == [fresh["a"], fresh["b"], fresh["a"]]
    assert reports[0]["score"] == reports[0]["max_score"] and reports[1]["score"] < reports[1]["max_score"]
    assert reports[0]["timings"]["total_s"] >= reports[0]["timings"]["tests_s"] > 0


def test_a_hang_or_a_killed_service_does_not_change_the_next_report(files, fresh, tmp_path, monkeypatch):
    short = tmp_path / "course.yaml"
    text = (COURSE.root / "course.yaml").read_text(encoding="utf-8")
    short.write_text(text.replace("submission_timeout: 900", "submission_timeout: 5"), encoding="utf-8")
    short_course = load_course(short)
    monkeypatch.setattr(api, "KILL_GRACE_S", 0)
    with grading_services(1) as services:
        hung = grade_submission(short_course, files["hang"], "convolutions", profile="gate")
        assert hung["status"] == "timeout" and hung["score"] < hung["max_score"], hung["status"]
        assert services._all[0]._proc is None  # killed, with everything it started
        assert canonical(grade_submission(COURSE, files["a"], "convolutions", profile="gate")) == fresh["a"]
        assert services._all[0].gradings == 1  # by a new service

        # The service dies in the middle of a grading: that submission is a grader error, as a
        # crashed one-off session is; the next one is graded by a new service.
        service = services._all[0]
        killer = threading.Thread(target=_kill_when_busy, args=(service,))
        killer.start()
        with pytest.raises(GraderError):
            grade_submission(COURSE, files["hang"], "convolutions", profile="gate")
        killer.join()
        assert canonical(grade_submission(COURSE, files["b"], "convolutions", profile="gate")) == fresh["b"]


def _kill_when_busy(service) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        proc = service._proc
        if proc is not None and service.gradings >= 2:  # noqa: PLR2004  # the hanging request has been sent
            time.sleep(3)
            os.kill(proc.pid, signal.SIGKILL)
            return
        time.sleep(0.2)


def test_a_grading_session_loads_only_the_plugins_a_grade_needs(tmp_path):
    """Installed plugins (xdist, anyio...) never load in a session; Hypothesis' does (its seed option)."""
    import subprocess
    import sys

    (tmp_path / "test_seeded.py").write_text(
        "from hypothesis import given, strategies as st\n\n@given(st.integers())\ndef test_int(n):\n    pass\n",
        encoding="utf-8")
    script = (
        "import sys, pytest\n"
        "from autograder.grading.session import PLUGIN_ARGS\n"
        "class Names:\n"
        "    def pytest_configure(self, config):\n"
        "        self.names = sorted(n for n, p in config.pluginmanager.list_name_plugin() if p is not None)\n"
        "names = Names()\n"
        f"code = pytest.main([{str(tmp_path)!r}, '-q', '-c', {str(tmp_path / 'none.ini')!r}, *PLUGIN_ARGS,"
        " '--hypothesis-seed=7'], plugins=[names])\n"
        "print('NAMES', ' '.join(names.names))\n"
        "sys.exit(code)\n")
    (tmp_path / "none.ini").write_text("[pytest]\naddopts =\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    names = done.stdout.split("NAMES", 1)[1].split()
    assert "_hypothesis_pytestplugin" in names
    assert not any(name.startswith(("xdist", "anyio", "platformdirs")) for name in names), names
    assert "unraisableexception" not in names and "cacheprovider" not in names


def test_restoring_the_fresh_state_forgets_what_the_previous_session_left():
    """Module state of the service that a session writes: the previous session's leftovers go."""
    import sys

    from autograder.grading import failures
    from autograder.grading.service import FreshState

    fresh = FreshState()
    failures.note("una nota de la entrega anterior")
    sys.path.append("/ruta/de/la/entrega/anterior")
    sys.modules["tests.hidden.module_checks_leftover"] = type(sys)("tests.hidden.module_checks_leftover")
    fresh.restore()
    assert failures.take_notes() == []
    assert "/ruta/de/la/entrega/anterior" not in sys.path
    assert "tests.hidden.module_checks_leftover" not in sys.modules


def test_restoring_the_fresh_state_reseeds_cuda_once_a_session_used_it(monkeypatch):
    """A session that drew from the GPU's generators leaves them where a fresh process starts them:
    the default seed at offset 0 (``manual_seed_all``); a service that never touched CUDA leaves it alone."""
    import torch

    from autograder.grading.service import FreshState

    fresh = FreshState()
    seeded = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", seeded.append)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    fresh.restore()
    assert seeded == []
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    torch.manual_seed(987654321)  # a session's own seed; the fresh state's is the process's first
    seeded.clear()  # (manual_seed seeds CUDA too)
    fresh.restore()
    assert seeded == [fresh.torch_seed] and fresh.torch_seed != 987654321
