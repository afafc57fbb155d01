"""Every command: a known problem is one line on stderr per problem and exit status 2 (README's table).

Each case runs the command in-process (``autograder.cli.main``) on a course folder laid out like
the demo's copy (a course file of another name, ``solutions/`` beside it) and stops before any
slow step; one case grades for real to show ``--course`` reaches the grading session.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from autograder.cli import build_parser, main
from autograder.config import REPO_ROOT, load_course

README = REPO_ROOT / "README.md"
ASSIGNMENT = "convolutions"


def exit_table() -> dict[str, list[str]]:
    """README's exit-status table: command -> [0, 1, 2] cells."""
    section = README.read_text(encoding="utf-8").split("### Exit status", 1)[1]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([^`]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
        elif rows and not line.startswith("|"):
            break
    return rows


def test_the_table_has_a_row_for_every_command():
    commands = set(build_parser()._subparsers._group_actions[0].choices)
    rows = exit_table()
    assert {row.split()[0] for row in rows} == commands
    assert all(len(cells) == 3 for cells in rows.values())


@pytest.fixture
def course_file(tmp_path) -> Path:
    """``curso/otro.yaml`` (a copy of the repository's course) with ``solutions/`` beside it and a
    broken ``course.yaml`` beside it too: nothing may read that one."""
    folder = tmp_path / "curso"
    folder.mkdir()
    (folder / "solutions").symlink_to(REPO_ROOT / "solutions", target_is_directory=True)
    text = (REPO_ROOT / "course.yaml").read_text(encoding="utf-8")
    text = text.replace("course_dir: .nbgrader/course", "course_dir: course").replace(
        "exchange: .nbgrader/exchange", "exchange: exchange")
    (folder / "otro.yaml").write_text(text, encoding="utf-8")
    (folder / "course.yaml").write_text("esto: [no es un curso\n", encoding="utf-8")
    return folder / "otro.yaml"


def _edited(course_file: Path, old: str, new: str) -> Path:
    text = course_file.read_text(encoding="utf-8")
    assert old in text
    course_file.write_text(text.replace(old, new), encoding="utf-8")
    return course_file


def _run(capsys, course_file: Path, *argv: str) -> tuple[int, list[str], str]:
    code = main(["--course", str(course_file), *argv])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def _one_line_each(err: list[str], command: str) -> None:
    assert err, "a known problem must say what it is"
    assert all(line.startswith(("autograder " + command + ":", "autograder:")) for line in err), err
    assert not any("Traceback" in line for line in err)


# (README row, argv after --course, how to break the course or its files, what stderr says)
FAILURES = [
    ("validate", ["validate"], lambda f: _edited(f, "center_crop: 20", "centre_crop: 20"), "`centre_crop`"),
    ("validate", ["validate"], lambda f: _edited(f, "notebook: convolutions.ipynb", "notebook: conv.ipynb"), "`conv.ipynb`"),
    ("validate", ["validate"], lambda f: _edited(f, "conv2d: 30", 'conv2d: "30"'), "debe ser un número"),
    ("build", ["build", ASSIGNMENT], "helper", "'_helper', definido en el nivel superior, no es una parte"),
    ("release", ["release", ASSIGNMENT], lambda f: _edited(f, "conv2d: 30", "conv2dd: 30"), "`conv2dd`"),
    ("release", ["release", "nope"], None, "tarea desconocida «nope»"),
    ("collect", ["collect", ASSIGNMENT], None, "¿se publicó la tarea"),
    ("collect", ["collect", ASSIGNMENT, "--zip", "/no/such/file.zip"], None, "no existe el zip"),
    ("grade PATH --assignment NAME", ["grade", "/no/such/entrega.ipynb", "--assignment", ASSIGNMENT], None, "no existe"),
    ("grade PATH --assignment NAME", ["grade", str(REPO_ROOT / "README.md"), "--assignment", "nope"], None, "«nope»"),
    ("grade NAME", ["grade", "nope"], None, "tarea desconocida «nope»"),
    ("grade NAME", ["grade", ASSIGNMENT], lambda f: _edited(f, "conv2d: 30", "conv2dd: 30"), "`conv2dd`"),
    ("check", ["check", "/no/such/convolutions.ipynb"], None, "no existe"),
    ("feedback", ["feedback", "nope"], None, "«nope»"),
    ("report", ["report", "nope"], None, "«nope»"),
    ("export", ["export", "gradescope", "nope", "--out", "x.zip"], None, "«nope»"),
    ("export", ["export", "image", ASSIGNMENT, "--out", "NONEMPTY"], None, "no está vacío"),
    ("demo", ["demo", "--dir", "NONEMPTY"], None, "no es una carpeta de demo"),
]


@pytest.mark.parametrize("row, argv, breaks, says", FAILURES, ids=[f"{c[0]}-{i}" for i, c in enumerate(FAILURES)])
def test_a_known_problem_is_one_line_and_exit_2(capsys, tmp_path, course_file, row, argv, breaks, says):
    assert row in exit_table() and exit_table()[row][2] != "—"
    if breaks == "helper":  # a course with its own solutions/, one of them with an extra helper
        link = course_file.parent / "solutions"
        link.unlink()
        shutil.copytree(REPO_ROOT / "solutions", link, ignore=shutil.ignore_patterns("__pycache__"))
        with open(link / "convolutions.py", "a", encoding="utf-8") as solution:
            solution.write("\n\ndef _helper(x):\n    return x\n")
    elif breaks is not None:
        breaks(course_file)
    kept = tmp_path / "trabajo"
    kept.mkdir()
    (kept / "importante.txt").write_text("no se borra")
    argv = [str(kept) if a == "NONEMPTY" else a for a in argv]
    code, err, _ = _run(capsys, course_file, *argv)
    assert code == 2
    _one_line_each(err, argv[0])
    assert any(says in line for line in err), err
    assert (kept / "importante.txt").read_text() == "no se borra"  # never lose data


@pytest.mark.parametrize("argv, says", [
    (["validate"], "correcto (3 tareas)"),
    (["feedback", ASSIGNMENT], "0 páginas"),  # (report's 0 is test_workflow's: its plots cost seconds)
])
def test_the_same_course_file_works_when_nothing_is_wrong(capsys, course_file, argv, says):
    code, err, out = _run(capsys, course_file, *argv)
    assert code == 0 and says in out and not err


def _own_solutions(course_file: Path) -> Path:
    """Replace the course copy's link to the repository's ``solutions/`` with a copy of its own."""
    link = course_file.parent / "solutions"
    link.unlink()
    shutil.copytree(REPO_ROOT / "solutions", link, ignore=shutil.ignore_patterns("__pycache__"))
    return link


def test_course_path_reaches_the_grading_session(capsys, course_file, tmp_path):
    """A real grading through --course otro.yaml: the session reads otro.yaml, not the broken
    course.yaml beside it (it used to be handed ``course.root / "course.yaml"``), and the hidden
    suite compares with the reference beside it (it used to import the repository's): here an
    avg_pool2d that doubles, so the repository's own (correct) avg_pool2d fails the comparison."""
    from autograder.content.reference import part_sources

    with open(_own_solutions(course_file) / "convolutions.py", "a", encoding="utf-8") as solution:
        solution.write("\n\n_avg_pool2d = avg_pool2d\n\n\ndef avg_pool2d(*args, **kwargs):\n"
                       "    return 2 * _avg_pool2d(*args, **kwargs)\n")
    submission = tmp_path / "entrega.py"  # only avg_pool2d, the repository's: the other parts fail at once
    submission.write_text("import torch\nimport torch.nn.functional as F\n\n\n" + part_sources(
        REPO_ROOT / "solutions" / "convolutions.py", list(load_course().assignment(ASSIGNMENT).parts))["avg_pool2d"] + "\n", encoding="utf-8")
    out = tmp_path / "informe.json"
    code, err, _ = _run(capsys, course_file, "grade", str(submission), "--assignment", ASSIGNMENT, "--json", str(out))
    assert code == 0, err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["status"] == "graded" and not report["load_error"]
    assert report["seed"] == load_course(course_file).seed_for(ASSIGNMENT)
    tests = {test["kind"]: test for test in report["parts"]["avg_pool2d"]["tests"]}
    assert not tests["matches_reference"]["passed"] and "no coincide" in tests["matches_reference"]["message"]
    assert tests["examples"]["passed"]  # fixed cases with their own expected values: the part itself ran
    assert report["parts"]["conv2d"]["score"] == 0


def test_a_course_copy_never_falls_back_to_the_repositorys_solutions(course_file):
    """What the session imports the reference from is the copy's folder alone: a file it lacks is
    an ImportError (the grader's error, one line), never the repository's file in its place."""
    import importlib.util
    import sys

    from autograder.grading.session import use_solutions

    solutions = _own_solutions(course_file)
    (solutions / "convolutions.py").unlink()
    ours = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "solutions"}
    try:
        use_solutions(solutions)
        assert importlib.util.find_spec("solutions.architectures").origin == str(solutions.resolve() / "architectures.py")
        assert importlib.util.find_spec("solutions.convolutions") is None
    finally:  # this process's own `solutions`, as it was
        for name in [name for name in sys.modules if name.split(".")[0] == "solutions"]:
            del sys.modules[name]
        sys.modules.update(ours)


def test_an_export_carries_the_course_copys_own_solutions(capsys, course_file, tmp_path):
    """An exported grader (here the image's build context) grades against the reference beside the
    course file exported, not the repository's, and carries that course file."""
    solutions = _own_solutions(course_file)
    with open(solutions / "convolutions.py", "a", encoding="utf-8") as solution:
        solution.write("\n# la versión del curso\n")
    code, err, _ = _run(capsys, course_file, "export", "image", ASSIGNMENT, "--out", str(tmp_path / "imagen"))
    assert code == 0, err
    tree = tmp_path / "imagen" / "source"
    assert (tree / "solutions" / "convolutions.py").read_bytes() == (solutions / "convolutions.py").read_bytes()
    assert (tree / "course.yaml").read_bytes() == course_file.read_bytes()


def test_a_known_problem_is_one_line_even_when_a_name_holds_a_newline_or_an_escape(capsys, course_file):
    """A file name (which may come from a student) cannot add lines or drive the terminal."""
    from autograder.cli import error_lines

    name = "/no/such/entrega\n\x1b[31mrojo\u202e.zip"
    code, err, _ = _run(capsys, course_file, "collect", ASSIGNMENT, "--zip", name)
    assert code == 2 and len(err) == 1 and "no existe el zip" in err[0], err
    assert "\x1b" not in err[0] and "\u202e" not in err[0] and "\\x1b[31mrojo\\u202e" in err[0]
    (line,) = error_lines(FileNotFoundError(2, "No such file or directory", name))
    assert line == "/no/such/entrega\\n\\x1b[31mrojo\\u202e.zip: No such file or directory"


#: What a student's code can put in a report's messages, notes and flags: rich markup, broken or not.
HOSTILE = "[/bold] [link=https://example.com]haz clic[/link] [red]"


@pytest.mark.parametrize("details", [False, True])
def test_the_summary_prints_a_students_text_as_written(details):
    """`grade PATH` / `check`'s table: a leftover print("[/bold]") once crashed it (rich's MarkupError)."""
    import io

    from rich.console import Console

    from autograder.grading.summary import print_summary

    test = {"name": "test_conv2d", "passed": False, "message": f"Entrada: x\n{HOSTILE}", "max_points": 1}
    report = {"assignment": ASSIGNMENT, "score": 0, "max_score": 30, "status": "graded", "sandbox": "rlimits",
              "device": "cpu", "seed": 1, "timings": {"total_s": 1.0}, "load_error": HOSTILE,
              "parts": {"conv2d": {"score": 0, "max_score": 30, "tests": [test]}},
              "flags": [{"kind": "static_scan", "part": "conv2d", "message": HOSTILE}], "notes": [HOSTILE]}
    out = io.StringIO()
    print_summary(report, details=details, console=Console(file=out, width=300, color_system=None))
    printed = out.getvalue()
    assert printed.count(HOSTILE) == (5 if details else 4), printed  # table, load error, flag, note (+ details)


@pytest.mark.parametrize("text", ["Hola profe, adjunto mi tarea\n", "def conv2d(x): return x +", "x = (1,\n"])
def test_a_one_line_text_file_reports_its_own_line(tmp_path, text):
    from autograder.grading.submission import load_submission

    course = load_course()
    path = tmp_path / "entrega.txt"
    path.write_text(text, encoding="utf-8")
    sub = load_submission(path, course.assignment(ASSIGNMENT), course.grading.submission_limits)
    assert sub.error is not None and sub.error.startswith("SyntaxError") and "(línea 1)" in sub.error


#: Where each known error was defined before autograder/errors.py, and is still importable from.
FORMER_HOMES = [("autograder.config", "CourseConfigError"), ("autograder.content.reference", "ContentError"),
                ("autograder.export.tree", "ExportError"), ("autograder.grading.api", "GraderError"),
                ("autograder.grading.api", "DeviceUnavailable"), ("autograder.workflow.lms_zip", "ZipCollectError"),
                ("autograder.workflow.demo", "DemoFolderError")]


def test_every_known_error_lives_in_one_module_and_is_one_line():
    import importlib

    from autograder import errors
    from autograder.cli import is_known

    for module, name in FORMER_HOMES:
        assert getattr(importlib.import_module(module), name) is getattr(errors, name), (module, name)
    assert all(is_known(cls("x")) for cls in errors.KNOWN_ERRORS)
    assert is_known(errors.DeviceUnavailable("x")) and is_known(FileNotFoundError("x"))
    assert not any(is_known(exc) for exc in (KeyError("x"), RuntimeError("x"), AssertionError("x")))


def test_an_nbgrader_failure_is_one_line_with_its_last_error(capsys, course_file, monkeypatch):
    from autograder.workflow import release

    def failing_release(course, name):
        raise RuntimeError("nbgrader release_assignment falló:\n[ReleaseAssignmentApp | WARNING] x\n"
                           "[ReleaseAssignmentApp | ERROR] Destination already exists: /srv/exchange\n"
                           "[ReleaseAssignmentApp | INFO] done")

    monkeypatch.setattr(release, "release_assignment", failing_release)
    code, err, _ = _run(capsys, course_file, "release", ASSIGNMENT)
    assert code == 2
    assert err == ["autograder release: nbgrader release_assignment falló: "
                   "[ReleaseAssignmentApp | ERROR] Destination already exists: /srv/exchange"]


def test_a_grader_bug_is_not_disguised_as_a_known_problem(course_file, monkeypatch):
    from autograder.workflow import release

    def broken(course, name):
        raise KeyError("a bug")

    monkeypatch.setattr(release, "release_assignment", broken)
    with pytest.raises(KeyError):
        main(["--course", str(course_file), "release", ASSIGNMENT])


def test_demo_reads_the_course_file_it_is_given(capsys, course_file, tmp_path):
    _edited(course_file, "conv2d: 30", 'conv2d: "30"')
    code, err, _ = _run(capsys, course_file, "demo", "--dir", str(tmp_path / "demo"))
    assert code == 2 and len(err) == 1 and f"{course_file}:" in err[0] and "debe ser un número" in err[0]
    assert not (tmp_path / "demo").exists()  # nothing made before the course file was read


def test_demo_says_where_to_open_what_it_made(capsys, course_file, tmp_path, monkeypatch):
    """The command prints what the workflow's run_demo made (the whole loop itself: `make demo`)."""
    from autograder.workflow import demo

    made = []

    def fake_run_demo(folder, jobs, source, console):
        made.append((folder, jobs, source))
        return demo.DemoRun(folder, load_course(course_file), [ASSIGNMENT], {ASSIGNMENT: 3.0}, 5.0)

    monkeypatch.setattr(demo, "run_demo", fake_run_demo)
    code, err, out = _run(capsys, course_file, "demo", "--dir", str(tmp_path / "demo"), "--jobs", "1")
    assert code == 0 and not err
    assert made == [(tmp_path / "demo", 1, course_file)]
    assert "Demo lista en 5 s" in out and f"{ASSIGNMENT} 3 s" in out
    unwrapped = "".join(out.split())  # rich wraps long paths at the terminal's width
    assert "index.html" in unwrapped and "gradebook.db" in unwrapped and str(tmp_path / "demo") in unwrapped


def test_a_course_copy_links_the_solutions_beside_its_source(tmp_path):
    from autograder.workflow.course_copy import write_course_copy

    source = tmp_path / "mio" / "curso-propio.yaml"
    (source.parent / "solutions").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "course.yaml", source)
    write_course_copy(tmp_path / "copia", source=source)
    assert (tmp_path / "copia" / "solutions").resolve() == (source.parent / "solutions").resolve()
