"""check() wherever the student is: the released folder carries the public facts, the package the suites.

A student's machine (or a JupyterHub) has the released notebook folder and the installed package,
never this repository: check() must find the course in ``curso_publico.yaml`` beside the notebook,
and the wheel must ship the public suites and nothing secret.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

import autograder.config as config
from autograder.config import (PUBLIC_FACTS_FILE, CourseConfigError, find_public_facts, load_course, public_facts,
                               write_public_facts)
from autograder.public.check import check, find_course
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.release import release_assignment

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "convolutions"
#: A conv2d that returns zeros: the later definition wins over the reference's.
WRONG_CONV2D = "def conv2d(x, weight, bias=None, stride=1, padding=0):\n    return torch.zeros(1)\n"


def test_public_facts_hold_the_public_seeds_and_nothing_of_the_course_seed(tmp_path):
    course = load_course()
    facts = public_facts(course)
    assert set(facts) == {"public_facts", "course", "grading", "assignments"}
    assert "seed" not in facts["course"] and "roster" not in facts["course"]
    assert str(course.course.seed) not in yaml.safe_dump(facts)
    for entry, assignment in zip(facts["assignments"], course.assignments):
        assert set(entry) == {"name", "title", "notebook", "parts", "public_seed"}
        assert entry["parts"] == assignment.parts

    public = load_course(write_public_facts(course, tmp_path))
    assert public.source == (tmp_path / PUBLIC_FACTS_FILE).resolve()
    assert [a.parts for a in public.assignments] == [a.parts for a in course.assignments]
    assert public.grading == course.grading and public.language == course.language
    for assignment in course.assignments:
        assert public.seed_for(assignment.name, "public") == course.seed_for(assignment.name, "public")
        with pytest.raises(CourseConfigError, match="public"):
            public.seed_for(assignment.name, "hidden")


def test_check_finds_the_facts_in_the_notebooks_folder_or_a_parent(tmp_path, monkeypatch):
    write_public_facts(load_course(), tmp_path)
    (tmp_path / "sub" / "dir").mkdir(parents=True)
    assert find_public_facts(tmp_path / "sub" / "dir") == tmp_path / PUBLIC_FACTS_FILE
    monkeypatch.chdir(tmp_path / "sub")
    assert find_course().source == (tmp_path / PUBLIC_FACTS_FILE).resolve()
    repository = load_course()
    assert find_course(repository) is repository  # an explicit course wins
    bad = tmp_path / "other" / PUBLIC_FACTS_FILE
    bad.parent.mkdir()
    bad.write_text("public_facts: 1\ncourse: {id: x, title: y}\nassignments: [{name: a, parts: {p: 1}}]\n")
    with pytest.raises(CourseConfigError, match=rf"{PUBLIC_FACTS_FILE}:3:.*notebook"):
        load_course(bad)


@pytest.fixture(scope="module")
def released_folder(tmp_path_factory) -> Path:
    """The released convolutions folder, as a student fetches it, copied outside the repository."""
    course = write_course_copy(tmp_path_factory.mktemp("instructor") / "curso", assignments=[ASSIGNMENT])
    outbound = release_assignment(course, ASSIGNMENT)
    student = tmp_path_factory.mktemp("alumna") / ASSIGNMENT
    shutil.copytree(outbound, student)
    return student


def test_the_release_carries_the_public_facts_and_no_secret(released_folder):
    names = sorted(p.name for p in released_folder.rglob("*"))
    assert names == sorted([load_course().assignment(ASSIGNMENT).notebook, PUBLIC_FACTS_FILE]), names
    text = (released_folder / PUBLIC_FACTS_FILE).read_text(encoding="utf-8")
    assert "solutions" not in text and "hidden" not in text


def test_check_runs_from_the_released_folder_without_the_repository_course(released_folder, monkeypatch, capsys):
    """check('conv2d') with the kernel's cwd in the released folder: the reference passes, a bug fails."""
    repository = load_course()
    reference = (REPO_ROOT / "solutions" / f"{ASSIGNMENT}.py").read_text(encoding="utf-8")
    monkeypatch.setattr(config, "DEFAULT_COURSE_FILE", released_folder / "no-such-course.yaml")
    monkeypatch.chdir(released_folder)

    report = check("conv2d", cells=["import torch\nimport torch.nn.functional as F", reference])
    printed = capsys.readouterr().out
    assert report is not None, printed
    assert report["score"] == report["max_score"] == repository.assignment(ASSIGNMENT).parts["conv2d"], printed
    assert report["profile"] == "public" and report["seed"] == repository.seed_for(ASSIGNMENT, "public")
    assert "✔ conv2d" in printed, printed

    report = check("conv2d", cells=["import torch", reference, WRONG_CONV2D])
    printed = capsys.readouterr().out
    assert report is not None and report["score"] < report["max_score"], printed
    assert "✘ conv2d" in printed, printed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """What `pip wheel . --no-deps` builds from pyproject's package config (built offline, from a copy)."""
    pytest.importorskip("setuptools")
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "autograder", source / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp / "dist")], cwd=source, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    found, = (tmp / "dist").glob("*.whl")
    return found


def test_the_wheel_ships_the_public_suites_and_nothing_secret(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for assignment in ("convolutions", "architectures", "segmentation"):
        assert f"autograder/public/suites/test_{assignment}.py" in names
    assert "autograder/public/suites/conftest.py" in names and "autograder/public/spec_table.json" in names
    assert "autograder/public/golden_outputs.json" in names  # the known outputs the module checks compare with
    top = {name.split("/")[0] for name in names}
    assert top == {"autograder", "-".join(wheel.name.split("-")[:2]) + ".dist-info"}, top
    secret = [n for n in names if n.startswith(("solutions/", "tests/")) or "/hidden/" in n
              or "sample_class/" in n or n.endswith("course.yaml")]
    assert secret == []


#: check() in a kernel whose only autograder is the installed wheel (no repository anywhere).
WHEEL_ONLY_CHECK = """
import sys
from pathlib import Path
import autograder.config
from autograder.public import check
assert not autograder.config.DEFAULT_COURSE_FILE.exists(), autograder.config.REPO_ROOT
report = check("conv2d", cells=["import torch", Path(sys.argv[1]).read_text(encoding="utf-8")])
print("SCORE", report["score"], report["max_score"])
print("SECRET", sorted(m for m in sys.modules if m.split(".")[0] in ("solutions", "tests")))
"""


def test_check_runs_with_the_wheel_alone(wheel, released_folder, tmp_path):
    """The package installed from the wheel, the released folder as the cwd: no course.yaml, no
    solutions/ or tests/ to import, and the reference still passes."""
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                                str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    reference = tmp_path / "mi_codigo.py"
    shutil.copy(REPO_ROOT / "solutions" / f"{ASSIGNMENT}.py", reference)
    env = {**os.environ, "PYTHONPATH": str(site)}  # before the checkout's editable install
    done = subprocess.run([sys.executable, "-c", WHEEL_ONLY_CHECK, str(reference)], cwd=released_folder, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    points = float(load_course().assignment(ASSIGNMENT).parts["conv2d"])
    assert f"SCORE {points} {points}" in done.stdout, done.stdout[-3000:]
    assert "SECRET []" in done.stdout and "✔ conv2d" in done.stdout
