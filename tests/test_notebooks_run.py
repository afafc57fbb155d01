"""Every notebook runs end to end in a real Jupyter kernel, as the instructor and the student get it.

* Solution form (nbgrader's source notebook, built from solutions/): every cell runs without an
  error and the applications reach their targets (LeNet's test accuracy, U-Net's mean IoU),
  which the notebooks print as ``name = value`` lines.
* Released form (the committed assignments/ notebook, stubs unfilled): the only errors are the
  stubs' ``NotImplementedError``; the narrative, the checks and the data cells all run.

Each notebook runs in the kernel ``python3`` of this virtualenv, in a temporary folder.
"""
from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.config import load_course
from autograder.content.build import write_source_notebook

COURSE = load_course()
NAMES = [a.name for a in COURSE.assignments]

#: What each application must reach: (printed variable, lowest value), and its CPU-time budget
#: (the notebooks print the training's CPU seconds as `segundos_entrenamiento`).
TARGETS = {
    "architectures": [("exactitud_test", 0.95)],
    "segmentation": [("iou_medio", 0.8)],
}
TRAINING_SECONDS = {"architectures": 60, "segmentation": 120}
#: Other CPU-second budgets a notebook prints: the hand-made vs learned features comparison.
CPU_BUDGETS = {"architectures": [("segundos_comparacion", 60)]}

CELL_TIMEOUT = 300
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def execute_all(jobs: list[tuple[Path, Path, bool]]) -> list[nbformat.NotebookNode | Exception]:
    """Execute notebooks ``(path, workdir, allow_errors)``, as many at once as there are cores.

    Each kernel is single-threaded, so running them side by side is what uses the machine; an
    execution error is returned in the notebook's place, for its own test to raise.
    """

    async def run_all():
        limit = asyncio.Semaphore(max(1, min(len(jobs), os.cpu_count() or 1)))

        async def run_one(path, workdir, allow_errors):
            async with limit:
                notebook = nbformat.read(path, as_version=4)
                client = NotebookClient(
                    notebook,
                    kernel_name="python3",
                    timeout=CELL_TIMEOUT,
                    allow_errors=allow_errors,
                    resources={"metadata": {"path": str(workdir)}},
                )
                # One thread per kernel: torch's default (one per core) slows everything down when
                # several processes share a small CI box, and the targets do not depend on it.
                await client.async_execute(env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
                return notebook

        return await asyncio.gather(*(run_one(*job) for job in jobs), return_exceptions=True)

    return asyncio.run(run_all())


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[tuple[str, str], nbformat.NotebookNode | Exception]:
    """Every notebook in both forms, executed: ``{("solution" | "released", name): notebook}``."""
    jobs, keys = [], []
    # Longest first (the applications train), so the short ones fill the gaps.
    for name in sorted(NAMES, key=lambda n: n not in TARGETS):
        workdir = tmp_path_factory.mktemp(f"solution-{name}")
        jobs.append((write_source_notebook(COURSE, name, workdir / "course"), workdir, False))
        keys.append(("solution", name))
    for name in NAMES:
        released = COURSE.root / "assignments" / name / COURSE.assignment(name).notebook
        jobs.append((released, tmp_path_factory.mktemp(f"released-{name}"), True))
        keys.append(("released", name))
    return dict(zip(keys, execute_all(jobs)))


def result(executed, form: str, name: str) -> nbformat.NotebookNode:
    outcome = executed[(form, name)]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def printed_text(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(
        output.text
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream" and output.name == "stdout"
    )


def printed_value(text: str, variable: str) -> float:
    found = re.findall(rf"^{variable} = ([0-9.]+)$", text, flags=re.MULTILINE)
    assert len(found) == 1, f"the notebook should print `{variable} = <number>` once"
    return float(found[0])


def errors(notebook: nbformat.NotebookNode) -> list[tuple[str, nbformat.NotebookNode]]:
    return [
        (cell.metadata["nbgrader"]["grade_id"], output)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


@pytest.mark.parametrize("name", NAMES)
def test_solution_notebook_runs_and_reaches_its_targets(executed, name):
    # Executed with allow_errors=False: any failing cell (an assert on a target included) fails here.
    notebook = result(executed, "solution", name)
    text = printed_text(notebook)
    for variable, lowest in TARGETS.get(name, []):
        assert printed_value(text, variable) >= lowest
    if name in TRAINING_SECONDS:
        assert printed_value(text, "segundos_entrenamiento") < TRAINING_SECONDS[name]
    for variable, budget in CPU_BUDGETS.get(name, []):
        assert printed_value(text, variable) < budget, f"{variable} over its {budget} s budget"
    # The reference passes its own public checks, run from the notebook as a student runs them.
    assert "No se pudieron ejecutar" not in text
    for part in COURSE.assignment(name).parts:
        assert re.search(rf"^✔ {part}:", text, flags=re.MULTILINE), f"check({part!r}) did not report a pass"


@pytest.mark.parametrize("name", NAMES)
def test_released_notebook_fails_only_in_its_stubs(executed, name):
    notebook = result(executed, "released", name)
    found = errors(notebook)
    assert found, "an unfilled notebook should raise NotImplementedError somewhere"
    unexpected = [(cell, f"{out.ename}: {out.evalue}") for cell, out in found if out.ename != "NotImplementedError"]
    assert not unexpected, f"errors other than the stubs' NotImplementedError: {unexpected}"
    for cell, output in found:
        traceback = ANSI_ESCAPE.sub("", "\n".join(output.traceback))
        assert "raise NotImplementedError()" in traceback, f"cell {cell}: raised outside a stub"
    # The stub cells only define the parts; the error comes where the examples use them.
    parts = set(COURSE.assignment(name).parts)
    assert not [cell for cell, _ in found if cell in parts]
