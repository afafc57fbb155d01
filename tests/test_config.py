"""course.yaml: the bundled file is valid, and each kind of mistake gets one clear message naming the file."""
from pathlib import Path

import pytest
import yaml

from autograder.cli import main
from autograder.config import DEFAULT_COURSE_FILE, CourseConfigError, load_course

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
        (lambda d: d["assignments"][0].__setitem__("parts", {}), "at least one part"),
        (lambda d: d["assignments"][0]["parts"].__setitem__("conv2d", -3), "negative points"),
        (lambda d: d["assignments"][0].pop("name"), "assignments.0.name"),
        (lambda d: d["assignments"].append(dict(d["assignments"][0])), "unique"),
        (lambda d: d["course"].__setitem__("seed", "abc"), "course.seed"),
        (lambda d: d["course"].__setitem__("colour", "red"), "course.colour"),
        (lambda d: d["assignments"][0].__setitem__("due", "2026-12-11T23:59:00"), "UTC offset"),
        (lambda d: d["grading"]["test_weights"].__setitem__("gradients", 0), "weights must be > 0"),
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


@pytest.mark.parametrize("text, expected", [("course: [", "not valid YAML"), ("- a\n- b\n", "expected a mapping")])
def test_unreadable_yaml(tmp_path, text, expected):
    with pytest.raises(CourseConfigError, match=expected):
        load_course(_write(tmp_path, text))


def test_missing_file_and_unknown_assignment(tmp_path):
    with pytest.raises(CourseConfigError, match="cannot read"):
        load_course(tmp_path / "nope.yaml")
    with pytest.raises(CourseConfigError, match="unknown assignment 'nope'.*convolutions"):
        load_course().assignment("nope")


def test_cli_reports_a_bad_course_file_in_one_line_and_exits_2(tmp_path, capsys):
    bad = _write(tmp_path, "course: [")
    assert main(["--course", str(bad), "validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("autograder: ") and str(bad) in err
    assert main(["validate"]) == 0
