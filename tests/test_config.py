"""course.yaml: the bundled file is valid, and each kind of mistake gets one clear message naming the file."""
from pathlib import Path

import pytest
import yaml

from autograder.cli import main
from autograder.config import DEFAULT_COURSE_FILE, CourseConfigError, course_problems, load_course

CONTRACT_PARTS = {
    "convolutions": ["conv2d", "max_pool2d", "avg_pool2d", "conv_transpose2d"],
    "architectures": ["conv_output_size", "LeNet", "AlexNet", "vgg16", "InceptionBlock", "GoogLeNet",
                      "ResidualBlock", "ResNet18"],
    "segmentation": ["center_crop", "DoubleConv", "UNet"],
}


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _bundled() -> dict:
    return yaml.safe_load(DEFAULT_COURSE_FILE.read_text(encoding="utf-8"))


def test_bundled_course_names_the_contract_parts():
    course = load_course()
    assert {a.name: list(a.parts) for a in course.assignments} == CONTRACT_PARTS
    for assignment in course.assignments:
        assert assignment.max_score > 0
        assert assignment.due is not None and assignment.due.tzinfo is not None


def test_seed_is_derived_from_course_yaml_not_the_clock():
    course = load_course()
    assert course.seed_for("convolutions") == course.seed_for("convolutions")
    assert course.seed_for("convolutions") != course.seed_for("convolutions", "public")
    assert course.seed_for("convolutions") != course.seed_for("segmentation")


def test_relative_folders_resolve_against_the_course_file(tmp_path):
    course = load_course(_write(tmp_path, _bundled()))
    assert course.course_dir == (tmp_path / ".nbgrader/course").resolve()
    assert course.exchange_dir == (tmp_path / ".nbgrader/exchange").resolve()


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["assignments"][0].__setitem__("parts", {}), "necesita al menos una parte"),
        (lambda d: d["assignments"][0]["parts"].__setitem__("conv2d", -3), "debe ser mayor o igual que 0, no -3"),
        (lambda d: d["assignments"][0].pop("name"), "tarea n.º 1: falta la clave obligatoria `name`"),
        (lambda d: d["assignments"].append(dict(d["assignments"][0])), "deben ser únicos (repetidos: convolutions)"),
        (lambda d: d["course"].__setitem__("seed", "abc"), "clave `course.seed`: debe ser un número entero, no 'abc'"),
        (lambda d: d["course"].__setitem__("colour", "red"), "clave desconocida `colour`"),
        (lambda d: d["assignments"][0].__setitem__("due", "2026-12-11T23:59:00"), "necesita su zona horaria"),
        (lambda d: d["grading"]["test_weights"].__setitem__("gradients", 0), "los pesos deben ser > 0 (revisa gradients)"),
        (lambda d: d["assignments"][0]["parts"].__setitem__("conv2d", "30"), "debe ser un número, no '30'"),
        (lambda d: d["assignments"][0]["parts"].__setitem__("conv2d", True), "debe ser un número, no true"),
        (lambda d: d["grading"].__setitem__("memory_mb", 6144.5), "debe ser un número entero, no 6144.5"),
        (lambda d: d["assignments"][0]["parts"].__setitem__("conv2d", float("inf")), "debe ser un número finito, no inf"),
        (lambda d: d["grading"].__setitem__("call_timeout", float("nan")), "debe ser un número finito, no nan"),
        (lambda d: d["assignments"][0].__setitem__("notebook", "../x.ipynb"), "sin carpetas"),
        (lambda d: d["assignments"][0].__setitem__("notebook", "conv.txt"), "debe ser un nombre de archivo .ipynb"),
        (lambda d: d["grading"]["visibility"].__setitem__("default", "later"),
         "valores aceptados: 'visible', 'hidden', 'after_due_date', 'after_published'"),
        (lambda d: d["assignments"][0].__setitem__("name", "Conv"), "usa minúsculas, dígitos y _"),
        (lambda d: d.__setitem__("root", "/etc"), "clave desconocida `root`"),
    ],
)
def test_each_mistake_gets_a_message_naming_the_file_and_the_field(tmp_path, mutate, expected):
    data = _bundled()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(CourseConfigError) as err:
        load_course(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


BUNDLED_TEXT = DEFAULT_COURSE_FILE.read_text(encoding="utf-8")


def _line_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the ``occurrence``-th ``needle`` in ``text``."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def test_a_string_for_points_names_the_line_the_column_the_assignment_and_the_key(tmp_path):
    text = BUNDLED_TEXT.replace("      DoubleConv: 30", '      DoubleConv: "30"')
    path = _write(tmp_path, text)
    with pytest.raises(CourseConfigError) as err:
        load_course(path)
    line, column = _line_of(text, '"30"')
    assert str(err.value) == (f"{path}:{line}:{column}: tarea «segmentation», clave `parts.DoubleConv`: "
                              "debe ser un número, no '30' (escríbelo sin comillas)")


def test_a_key_typo_names_its_line_the_assignment_by_name_and_the_accepted_keys(tmp_path):
    text = BUNDLED_TEXT.replace("late_penalty", "late_penalti")  # in every assignment
    path = _write(tmp_path, text)
    with pytest.raises(CourseConfigError) as err:
        load_course(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 3  # one line per mistake
    line, column = _line_of(text, "late_penalti", 2)
    assert lines[1] == (f"{path}:{line}:{column}: tarea «architectures»: clave desconocida `late_penalti` "
                        "(¿quisiste decir `late_penalty`?); claves aceptadas aquí: name, title, notebook, due, "
                        "late_penalty, parts")


def test_messages_follow_the_course_language(tmp_path):
    text = BUNDLED_TEXT.replace("language: es", "language: en").replace("conv2d: 30", "conv2d: '30'")
    with pytest.raises(CourseConfigError) as err:
        load_course(_write(tmp_path, text))
    assert "assignment 'convolutions', key `parts.conv2d`: must be a number, not '30'" in str(err.value)


def _laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("course: [", "YAML no válido"),
        ("- a\n- b\n", "se esperaba un mapa con `course` y `assignments` arriba, no una lista"),
        ("", "el archivo está vacío"),
        ("course: 1\n---\ncourse: 2\n", "más de un documento YAML"),
        ("course: {id: a}\ncourse: {id: b}\n", ":2:1: la clave `course` está repetida (la primera en la línea 1)"),
        (_laughs(), "se expanden a más de 100000 nodos"),  # a "billion laughs": refused, never expanded
        ("a: &a [*a]\n", "se contiene a sí mismo"),
        ("a: " + "[" * 50_000, "anidado demasiado profundo"),
        ("? [a, b]\n: 1\n", "las claves deben ser textos"),
        ("a: !!python/object/apply:os.system [echo]\n", "YAML no válido"),
        ("course: 1\n" + "#" * (1 << 20), "máximo 1048576"),
        (b"course: \xff\n", "no está en UTF-8"),
    ],
)
def test_hostile_files_get_one_line(tmp_path, text, expected):
    path = tmp_path / "course.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CourseConfigError) as err:
        load_course(path)
    message = str(err.value)
    assert expected in message and str(path) in message
    assert len(message.splitlines()) == 1 and len(message) < 400


def test_missing_file_and_unknown_assignment(tmp_path):
    with pytest.raises(CourseConfigError, match="no se puede leer"):
        load_course(tmp_path / "nope.yaml")
    with pytest.raises(CourseConfigError, match="tarea desconocida «nope».*convolutions"):
        load_course().assignment("nope")


def test_parts_and_notebooks_are_checked_against_the_course_files(tmp_path):
    (tmp_path / "solutions").symlink_to(DEFAULT_COURSE_FILE.parent / "solutions", target_is_directory=True)
    text = BUNDLED_TEXT.replace("UNet: 50", "UNett: 50").replace("notebook: convolutions.ipynb",
                                                                  "notebook: convolution.ipynb")
    course = load_course(_write(tmp_path, text))  # the schema is fine
    problems = course_problems(course)
    path = tmp_path / "course.yaml"
    line, column = _line_of(text, "UNett")
    assert f"{path}:{line}:{column}: tarea «segmentation», clave `parts.UNett`: la parte `UNett` no la define " \
           "solutions/segmentation.py; partes definidas: center_crop, DoubleConv, UNet" in problems
    assert any("no la define tests/hidden/test_segmentation.py" in p for p in problems)
    line, column = _line_of(text, "convolution.ipynb")
    assert any(p.startswith(f"{path}:{line}:{column}: tarea «convolutions», clave `notebook`: el cuaderno "
                            "`convolution.ipynb` no está en assignments/convolutions") for p in problems)
    assert len(problems) == 3
    assert course_problems(load_course()) == []  # the bundled course agrees with its files


def test_cli_reports_a_bad_course_file_in_one_line_and_exits_2(tmp_path, capsys):
    bad = _write(tmp_path, "course: [")
    assert main(["--course", str(bad), "validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograder validate: ") and str(bad) in err and len(err.splitlines()) == 1
    assert main(["validate"]) == 0
    assert "correcto (3 tareas)" in capsys.readouterr().out


def test_validate_runs_the_cross_checks(tmp_path, capsys):
    (tmp_path / "solutions").symlink_to(DEFAULT_COURSE_FILE.parent / "solutions", target_is_directory=True)
    path = tmp_path / "mi curso.yml"  # any name
    path.write_text(BUNDLED_TEXT.replace("center_crop: 20", "centre_crop: 20"), encoding="utf-8")
    assert main(["--course", str(path), "validate"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith(f"autograder validate: {path}:") for line in err)
    assert all("`centre_crop`" in line for line in err)


def test_a_fifo_or_a_folder_is_refused_without_reading_it(tmp_path):
    import os

    fifo = tmp_path / "course.yaml"
    os.mkfifo(fifo)  # opening it for reading would block forever
    for path in (fifo, tmp_path):
        with pytest.raises(CourseConfigError, match="no es un archivo normal"):
            load_course(path)


def test_english_courses_get_english_kinds(tmp_path):
    text = BUNDLED_TEXT.replace("language: es", "language: en").replace("seed: 20261127", "seed: [1, 2]")
    with pytest.raises(CourseConfigError, match=r"key `course.seed`: must be a whole number, not a list$"):
        load_course(_write(tmp_path, text))
