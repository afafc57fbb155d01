"""The public (student) checks: the reference passes them all, a bug fails the right one, and the
public package never reaches the secrets (solutions/, tests/hidden/).

The spec table the module checks read (``autograder/public/spec_table.json``) is written by
``autograder build``; tests/test_content_build.py fails when it is stale.
"""
from __future__ import annotations

import ast

import pytest

from autograder.config import REPO_ROOT, load_course
from tests.public_suites import run_public_suites

PUBLIC_DIR = REPO_ROOT / "autograder" / "public"


def test_spec_table_has_the_published_resnet18():
    from autograder.public.module_spec import parameter_count, specs_of

    default = [s for s in specs_of("ResNet18") if s["init"] == {"num_classes": 1000, "in_channels": 3}]
    assert len(default) == 1 and parameter_count(default[0]) == 11_689_512
    assert "layer2.0.downsample.0.weight" in default[0]["parameters"]  # torchvision's key layout


# --- collecting a notebook's definitions --------------------------------------------------------------

def test_check_takes_the_history_as_typed_with_the_graders_extraction():
    """check() hands the kernel's raw history (magics as typed) to the grader's own extraction."""
    from autograder.grading.submission import submission_from_cells
    from autograder.public.notebook_source import cells_from_history

    history = [
        "",  # IPython's placeholder for In [0]
        "import torch\nimport matplotlib.pyplot as plt\nfrom autograder.public import check\nmodel = train_for_an_hour()",
        "%%time\ndef conv2d(x, weight):\n    return 1\nprint(conv2d(0, 0))",
        "def broken(:",  # a cell that did not parse defined nothing
        "check('conv2d')",
        "def conv2d(x, weight):\n    return 2",
    ]
    sub = submission_from_cells(cells_from_history(history), ["conv2d"])
    source = sub.source
    assert "train_for_an_hour" not in source and "print(" not in source and "check(" not in source
    assert "autograder" not in source and "matplotlib" not in source and "broken" not in source
    assert source.index("return 1") < source.index("return 2")
    assert sub.extraction.part_cells["conv2d"] == ["In [5]"]
    namespace: dict = {}
    exec(compile(source, "<test>", "exec"), namespace)  # trusted: this test's own cells
    assert namespace["conv2d"](0, 0) == 2  # the later definition wins, as in the notebook


def test_report_says_not_implemented_yet():
    from autograder.grading.report import Report
    from autograder.public.check_printout import format_part_report

    stub = {"name": "test_conv2d_matches_functional", "passed": False,
            "message": "Entrada: x: (1, 1, 3, 3)\nTu código lanzó NotImplementedError: "}

    def report(tests, not_implemented):
        return Report.from_json({"assignment": "convolutions", "load_error": None, "score": 0.0, "max_score": 30.0,
                                 "parts": {"conv2d": {"score": 0.0, "max_score": 30.0, "tests": tests,
                                                      "not_implemented": not_implemented}}})

    stubbed = report([stub, {**stub, "name": "test_conv2d_leaves_input_unchanged"}], True)  # as scoring says
    assert "no implementado todavía" in format_part_report(stubbed, "conv2d")
    text = format_part_report(report([stub, {**stub, "passed": True, "message": ""}], False), "conv2d")
    assert "no implementado" not in text and "✘ conv2d: 1 de 2" in text
    # Titles are the Spanish first line of each public check's docstring.
    assert "conv2d da lo mismo que F.conv2d" in text


# --- the public suites on real submissions --------------------------------------------------------------

ASSIGNMENTS = ("convolutions", "architectures", "segmentation")
#: Bugs of the bank (tests/submissions/<assignment>/bug/) and the public check each must fail.
MODULE_BUGS = [
    ("architectures", "InceptionBlock_branch_order", "test_inception_block_concatenates_branches_in_order"),
    ("architectures", "ResidualBlock_relu_before_addition", "test_residual_block_identity_shortcut"),
    ("segmentation", "DoubleConv_missing_middle_relu", "test_double_conv_relu_after_each_convolution"),
]


#: A correct ResNet18 plus relu(<x - x0, v>), x0 the first input it is given: at x0 the centred
#: difference sees the kink autograd does not, so the gradient check must try other points.
RESNET18_KINK_AT_FIRST_INPUT = """
_Reference = ResNet18


class ResNet18(_Reference):
    def forward(self, x):
        if not hasattr(self, "first_input"):
            self.first_input = x.detach().clone()
            self.kink_direction = torch.randn(x.shape, generator=torch.Generator().manual_seed(3), dtype=x.dtype)
        out = super().forward(x)
        if x.shape != self.first_input.shape:
            return out
        return out + torch.relu(((x - self.first_input) * self.kink_direction).sum())
"""
#: ResNet18 plus a term whose gradient was cut with .detach(): wrong at every point.
RESNET18_DETACHED_TERM = """
_Reference = ResNet18


class ResNet18(_Reference):
    def forward(self, x):
        return super().forward(x) + 0.1 * (x ** 2).sum().detach()
"""
#: (ResNet18 source appended to the reference, whether test_resnet18_gradients must pass).
GRADIENT_CASES = [(RESNET18_KINK_AT_FIRST_INPUT, True), (RESNET18_DETACHED_TERM, False)]


def _overlay(assignment: str, bug: str) -> str:
    """The reference with one part replaced by a bank bug (the bank's overlay convention)."""
    return ((REPO_ROOT / "solutions" / f"{assignment}.py").read_text(encoding="utf-8") + "\n\n"
            + (REPO_ROOT / "tests" / "submissions" / assignment / "bug" / f"{bug}.py").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def public_runs(tmp_path_factory):
    """One interpreter: every public suite on the reference, then each module bug on its part only."""
    jobs = [(name, (REPO_ROOT / "solutions" / f"{name}.py").read_text(encoding="utf-8"), None) for name in ASSIGNMENTS]
    jobs += [(assignment, _overlay(assignment, bug), bug.split("_")[0]) for assignment, bug, _ in MODULE_BUGS]
    reference = (REPO_ROOT / "solutions" / "architectures.py").read_text(encoding="utf-8")
    jobs += [("architectures", reference + source, "ResNet18") for source, _ in GRADIENT_CASES]
    runs = run_public_suites(jobs, tmp_path_factory.mktemp("public-runs"))
    bugs_end = 3 + len(MODULE_BUGS)
    return {"reference": dict(zip(ASSIGNMENTS, runs["results"][:3])), "bugs": runs["results"][3:bugs_end],
            "gradients": runs["results"][bugs_end:], "secret_modules": runs["secret_modules"]}


def test_reference_passes_every_public_check(public_runs):
    course = load_course()
    for assignment, result in public_runs["reference"].items():
        failed = [(t["name"], t["message"]) for t in result["tests"] if not t["passed"]]
        assert not failed, f"{assignment}: {failed}"
        assert not result["internal_errors"] and not result["collection_errors"]
        assert {t["part"] for t in result["tests"]} == set(course.assignment(assignment).parts)
    counts = {a: len(r["tests"]) for a, r in public_runs["reference"].items()}
    print(f"public checks per assignment: {counts}")


def test_module_bugs_fail_the_right_public_check(public_runs):
    for (assignment, bug, check_name), result in zip(MODULE_BUGS, public_runs["bugs"]):
        failed = {t["name"] for t in result["tests"] if not t["passed"]}
        assert check_name in failed, f"{bug} passed {check_name}"
        assert not any(name.endswith("_structure") for name in failed), f"{bug}: {failed}"


def test_gradient_check_steps_past_a_kink_and_catches_a_cut_gradient(public_runs):
    """A correct network with a kink at the checked point passes (another point agrees); a term
    whose gradient was cut fails at every point, with the numbers at the first."""
    for (_source, must_pass), result in zip(GRADIENT_CASES, public_runs["gradients"]):
        check = next(t for t in result["tests"] if t["name"] == "test_resnet18_gradients")
        assert check["passed"] is must_pass, check["message"]
        if not must_pass:
            assert "no coincide con tu propio forward" in check["message"], check["message"]


def test_public_suites_never_import_the_secrets(public_runs):
    assert public_runs["secret_modules"] == []
    for path in PUBLIC_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("solutions", "tests")), f"{path} imports {name}"


#: A max_pool2d whose stride=None means 1 instead of kernel_size (a classic mistake), written in a notebook.
STRIDE_BUG_CELL = """
def max_pool2d(x, kernel_size, stride=None, padding=0):
    kh, kw = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    sh, sw = (1, 1) if stride is None else (stride if isinstance(stride, tuple) else (stride, stride))
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    x = F.pad(x, (pw, pw, ph, ph), value=float("-inf"))
    return x.unfold(2, kh, sh).unfold(3, kw, sw).amax(dim=(-2, -1))
"""


def test_check_in_a_notebook_reports_a_bug_and_never_raises(capsys):
    """check() reads the IPython history, grades only that part, prints ✘ with the input and a hint."""
    from IPython.core.interactiveshell import InteractiveShell

    from autograder.public import check

    shell = InteractiveShell.instance()
    try:
        shell.run_cell("import torch\nimport torch.nn.functional as F", store_history=True)
        assert shell.run_cell(STRIDE_BUG_CELL, store_history=True).success
        shell.run_cell("x = torch.randn(1, 1, 4, 4)\nprint(max_pool2d(x, 2).shape)", store_history=True)  # an example cell
        report = check("max_pool2d")
    finally:
        InteractiveShell.clear_instance()
    printed = capsys.readouterr().out
    assert report is not None and list(report["parts"]) == ["max_pool2d"]
    assert "✘ max_pool2d" in printed and "Entrada:" in printed and "Pista:" in printed, printed
    assert check("no_such_part", cells=[]) is None  # unknown part: a message, no exception
