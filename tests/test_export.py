"""Exported graders (autograder/export/): the Gradescope zip, the PrairieLearn question, the image.

Each artefact is built with the CLI, laid out in a temporary root the way its engine lays it out
(/autograder, /grade), and its entrypoint is run as the engine runs it. Four submissions go
through each engine and through local grading: a perfect notebook, a buggy .py, an infinite loop
(the released notebook, conv2d answered by a busy loop, the rest not done yet; call_timeout
lowered to 3 s in the course.yaml its export carries) and a malicious .py that
attacks results.json (under bubblewrap on PrairieLearn, under rlimits + a private uid on
Gradescope, as in a container without namespaces). results.json must follow the engine's schema
and agree with the local report test by test. The slow part is those twelve gradings, run
concurrently once per module; everything else is cheap.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import nbformat
import pytest
import yaml

from autograder.cli import main as cli_main
from autograder.config import REPO_ROOT, load_course
from autograder.export import entry, results as formats
from autograder.i18n import _ as student_text, _i
from autograder.export.artefacts import IMAGE_CONTEXT, PRAIRIELEARN_ENTRYPOINT_PATH, engine_timeout
from autograder.export.tree import TREE_PATHS, pinned_requirements
from autograder.grading.api import grade_submission
from autograder.grading.report import Report
from autograder.sandbox.launch import bubblewrap_problem, privilege_drop_problem
from tests.submissions.bank import BANK_DIR, dependents, reference_source
from tests.test_submission_loading import PARTS, definitions, notebook_with_parts

ASSIGNMENT = "convolutions"
TREE_TOP = {path.split("/")[0] for path in TREE_PATHS}
IS_ROOT = os.geteuid() == 0

# Attacks results.json from inside the worker: at import, in every call and from a daemon that
# outlives the grading; and tries to steal the reference from the tree (which gives full marks on
# conv2d only where it is readable). __RESULTS__ and __TREE__ are filled in per engine.
MALICIOUS = '''
import json as _json
import os as _os
import time as _time

_FORGED = _json.dumps({"score": 1000.0, "gradable": True, "tests": []})


def _attack():
    for _name in ("results.json", "forged.json"):
        try:
            with open("__RESULTS__/" + _name, "w") as _handle:
                _handle.write(_FORGED)
        except OSError:
            pass
    try:
        _os.chmod("__RESULTS__", 0o777)
    except OSError:
        pass


_attack()
if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        for _ in range(300):
            _attack()
            _time.sleep(0.1)
    _os._exit(0)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    _attack()
    try:
        with open("__TREE__/solutions/convolutions.py", encoding="utf-8") as _handle:
            _stolen = {}
            exec(_handle.read(), _stolen)
        return _stolen["conv2d"](x, weight, bias, stride, padding, dilation)
    except Exception:
        return torch.zeros(1)
'''


# --- building and running the artefacts --------------------------------------------------------------

def engine_root() -> Path:
    """A fresh root every other uid can traverse, as /autograder and /grade are (pytest's tmp is 0700)."""
    root = Path(tempfile.mkdtemp(prefix="autograder-engine-"))
    os.chmod(root, 0o755)
    return root


def unzip_keeping_modes(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            zipped.extract(info, dest)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(dest / info.filename, stat.S_IMODE(mode))


def copy_keeping_modes(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest)
    os.chmod(dest, 0o755)


def run_gradescope(archive: Path, filename: str, content: bytes, *, sandbox: str = "auto") -> tuple[Path, dict]:
    """Unpack the zip into /autograder's layout, run run_autograder as Gradescope does; (root, results)."""
    root = engine_root()
    unzip_keeping_modes(archive, root / "source")
    os.chmod(root / "source", 0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "submission" / filename).write_bytes(content.replace(b"__ROOT__", str(root).encode()))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_VENV": sys.prefix, "AUTOGRADER_SANDBOX": sandbox}
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return root, {**json.loads((root / "results" / "results.json").read_text(encoding="utf-8")),
                  "_stdout": done.stdout}


def run_prairielearn(question: Path, filename: str, content: bytes, *, sandbox: str = "auto") -> tuple[Path, dict]:
    """Lay out /grade as PrairieLearn does (tests/, student/, data/data.json) and run the entrypoint."""
    root = engine_root()
    copy_keeping_modes(question / "tests", root / "tests")
    (root / "student").mkdir()
    content = content.replace(b"__ROOT__", str(root).encode())
    (root / "student" / filename).write_bytes(content)
    (root / "data").mkdir()
    data = {"submitted_answers": {"_files": [{"name": filename, "contents": base64.b64encode(content).decode()}]}}
    (root / "data" / "data.json").write_text(json.dumps(data), encoding="utf-8")
    entrypoint = root / Path(PRAIRIELEARN_ENTRYPOINT_PATH).relative_to("/grade")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
           "AUTOGRADER_SANDBOX": sandbox}
    done = subprocess.run([str(entrypoint)], cwd="/", env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return root, {**json.loads((root / "results" / "results.json").read_text(encoding="utf-8")),
                  "_stdout": done.stdout}


def submissions() -> dict[str, tuple[str, bytes]]:
    """name -> (the file name the student uploaded, its bytes); __ROOT__ becomes the engine's root."""
    reference = reference_source(ASSIGNMENT)
    folder = Path(tempfile.mkdtemp(prefix="autograder-nb-"))
    found = definitions(reference)
    notebook = notebook_with_parts(folder / "mi_entrega.ipynb", {p: found[p] for p in PARTS}).read_bytes()
    shutil.rmtree(folder)
    overlay = lambda name: (BANK_DIR / ASSIGNMENT / name).read_text(encoding="utf-8")  # noqa: E731
    return {
        "perfect": ("mi_entrega.ipynb", notebook),
        "buggy": ("tarea 3 (final).py", (reference + overlay("bug/conv2d_flipped_kernel.py")).encode()),
        "infinite": ("convolutions.ipynb", hanging_notebook()),
        "malicious": ("convolutions.py", (reference + MALICIOUS).encode()),
    }


def hanging_notebook() -> bytes:
    """The released notebook with conv2d answered by an infinite loop and the other parts not done yet.

    Only conv2d's first call hangs (until the short call_timeout); every other call fails at once,
    so the verdicts cannot depend on the machine's load.
    """
    notebook = nbformat.read(REPO_ROOT / "assignments" / ASSIGNMENT / "convolutions.ipynb", as_version=4)
    cell, = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "conv2d"]
    cell.source = (BANK_DIR / ASSIGNMENT / "attack" / "conv2d_infinite_loop.py").read_text(encoding="utf-8")
    return nbformat.writes(notebook).encode()


def fill(content: bytes, engine: str) -> bytes:
    """The malicious submission's placeholders, for one engine's layout below __ROOT__."""
    tree = "__ROOT__/source" if engine == "gradescope" else "__ROOT__/tests"
    return content.replace(b"__RESULTS__", b"__ROOT__/results").replace(b"__TREE__", tree.encode())


def course_copy(folder: Path, call_timeout: int) -> Path:
    """course.yaml with another call_timeout: the settings an export carries."""
    text = (REPO_ROOT / "course.yaml").read_text(encoding="utf-8").replace("call_timeout: 120",
                                                                          f"call_timeout: {call_timeout}")
    assert f"call_timeout: {call_timeout}" in text
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    return folder / "course.yaml"


@pytest.fixture(scope="module")
def short_course(tmp_path_factory):
    """For the infinite loop: a 3-second call timeout (only its hanging call can reach it)."""
    return course_copy(tmp_path_factory.mktemp("short_course"), 3)


@pytest.fixture(scope="module")
def course_file(tmp_path_factory):
    """For the other submissions: the course as it is (a correct call never nears its timeout)."""
    return course_copy(tmp_path_factory.mktemp("course"), 120)


def export_all(course_file: Path, out: Path) -> dict[str, Path]:
    course = ["--course", str(course_file)]
    assert cli_main(course + ["export", "gradescope", ASSIGNMENT, "--out", str(out / "autograder.zip")]) == 0
    assert cli_main(course + ["export", "prairielearn", ASSIGNMENT, "--out", str(out / "pl")]) == 0
    assert cli_main(course + ["export", "image", ASSIGNMENT, "--out", str(out / "image")]) == 0
    question, = (out / "pl").iterdir()
    return {"zip": out / "autograder.zip", "question": question, "image": out / "image"}


@pytest.fixture(scope="module")
def artefacts(short_course, tmp_path_factory):
    """The exports the cheap tests inspect (of the short-timeout course: its settings must travel)."""
    return export_all(short_course, tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def graded(artefacts, short_course, course_file, tmp_path_factory):
    """Every grading this module compares: local, Gradescope and PrairieLearn, four submissions each."""
    exports = {"infinite": artefacts}
    exports["other"] = export_all(course_file, tmp_path_factory.mktemp("exports_as_is"))
    courses = {"infinite": load_course(short_course), "other": load_course(course_file)}
    which = lambda name: "infinite" if name == "infinite" else "other"  # noqa: E731
    subs = submissions()
    local_dir = Path(tempfile.mkdtemp(prefix="autograder-local-"))
    roots: list[Path] = []

    def local(name):
        filename, content = subs[name]
        path = local_dir / name / filename
        path.parent.mkdir()
        path.write_bytes(fill(content, "gradescope").replace(b"__ROOT__", str(local_dir / "nowhere").encode()))
        return grade_submission(courses[which(name)], path, ASSIGNMENT)

    def gradescope(name):
        filename, content = subs[name]
        root, found = run_gradescope(exports[which(name)]["zip"], filename, fill(content, "gradescope"),
                                     sandbox="rlimits" if name == "malicious" and IS_ROOT else "auto")
        roots.append(root)
        return root, found

    def prairielearn(name):
        filename, content = subs[name]
        root, found = run_prairielearn(exports[which(name)]["question"], filename, fill(content, "prairielearn"))
        roots.append(root)
        return root, found

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = {(kind, name): pool.submit(func, name) for name in subs
                for kind, func in (("local", local), ("gradescope", gradescope), ("prairielearn", prairielearn))}
        done = {key: job.result() for key, job in jobs.items()}
    print(f"\n12 gradings in {time.monotonic() - started:.1f} s")
    yield done
    shutil.rmtree(local_dir, ignore_errors=True)
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)


# --- one grading path: each engine agrees with local grading ------------------------------------------

SUBMISSIONS = ("perfect", "buggy", "infinite", "malicious")


def local_tests(report: dict) -> dict[str, dict]:
    return {formats.test_name(part, test): test.model_dump() for part, test in Report.from_json(report).tests()}


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_gradescope_results_follow_the_schema_and_agree_with_local_grading(graded, name):
    report = graded["local", name]
    found = {k: v for k, v in graded["gradescope", name][1].items() if k != "_stdout"}
    formats.validate(found, "gradescope")
    local = local_tests(report)
    assert [t["name"] for t in found["tests"]] == list(local)
    visibility = load_course().grading.visibility  # both exported courses keep the repository's
    for test in found["tests"]:
        expected = local[test["name"]]
        assert (test["status"] == "passed") == expected["passed"], test["name"]
        assert (test["score"], test["max_score"]) == (expected["points"], expected["max_points"]), test["name"]
        assert test["output"] == expected["message"]
        assert test["visibility"] == visibility.of(expected["kind"])
    assert found["score"] == report["score"]
    assert found["extra_data"]["status"] == report["status"]


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_prairielearn_results_follow_the_schema_and_agree_with_local_grading(graded, name):
    report = graded["local", name]
    found = {k: v for k, v in graded["prairielearn", name][1].items() if k != "_stdout"}
    formats.validate(found, "prairielearn")
    assert found["gradable"] is True
    local = local_tests(report)
    assert [t["name"] for t in found["tests"]] == list(local)
    for test in found["tests"]:
        expected = local[test["name"]]
        assert (test["points"], test["max_points"]) == (expected["points"], expected["max_points"]), test["name"]
        assert test["message"] == expected["message"]
    assert found["score"] == pytest.approx(report["score"] / report["max_score"], abs=1e-6)


def test_the_verdicts_are_the_expected_ones(graded):
    """The comparisons above are not vacuous: each submission was graded as what it is."""
    perfect, buggy = graded["local", "perfect"], graded["local", "buggy"]
    infinite, malicious = graded["local", "infinite"], graded["local", "malicious"]
    assert perfect["score"] == perfect["max_score"] == 90
    untouched = [p for p in PARTS if p != "conv2d" and p not in dependents(ASSIGNMENT, "conv2d")]
    for report in (buggy, malicious):
        assert report["parts"]["conv2d"]["score"] < 30
        assert untouched and all(report["parts"][p]["score"] == report["parts"][p]["max_score"] for p in untouched)
    assert infinite["parts"]["conv2d"]["score"] == 0 and infinite["score"] < 20  # the rest is not done yet
    assert any(f["kind"] == "timeout" and f["part"] == "conv2d" for f in infinite["flags"])
    for engine, tree in (("gradescope", "source"), ("prairielearn", "tests")):
        root, found = graded[engine, "infinite"]  # graded from the exported tree and its course.yaml
        # The engine's log is in the course's language (es): "árbol ..., tarea ...".
        assert _i("{engine}, tree {tree}, assignment {assignment}", engine=engine, tree=root / tree,
                  assignment=ASSIGNMENT).split(", ", 1)[1] in found["_stdout"]


def test_the_report_names_the_sandbox_that_ran(graded):
    _, gradescope = graded["gradescope", "perfect"]
    _, prairielearn = graded["prairielearn", "perfect"]
    kind = "bubblewrap" if bubblewrap_problem("cpu") is None else "rlimits"
    assert gradescope["extra_data"]["sandbox"] == kind
    assert f"autograder: sandbox {kind}" in gradescope["_stdout"]
    sentence = student_text(formats.SANDBOX_TEXT[kind])  # in the course's language (es)
    assert sentence in gradescope["output"] and sentence in prairielearn["message"]
    if IS_ROOT:
        _, attacked = graded["gradescope", "malicious"]
        assert attacked["extra_data"]["sandbox"] == "rlimits"


@pytest.mark.parametrize("engine", ["gradescope", "prairielearn"])
def test_the_malicious_submission_cannot_touch_the_results(graded, engine):
    root, found = graded[engine, "malicious"]
    results = root / "results"
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]
    assert stat.S_IMODE(results.stat().st_mode) == 0o755 and results.stat().st_uid == os.geteuid()
    assert found.get("score") != 1000.0 and found["tests"]
    time.sleep(0.5)  # a surviving daemon would write again within 0.1 s
    assert json.loads((results / "results.json").read_text(encoding="utf-8"))["tests"] == found["tests"]
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]


def test_the_attack_forges_results_where_a_folder_lets_it(tmp_path):
    """Control for the test above: the malicious code does write results.json when it can."""
    namespace: dict = {}
    exec(MALICIOUS.split("\n_attack()\n")[0].replace("__RESULTS__", str(tmp_path)), namespace)
    namespace["_attack"]()
    assert json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["score"] == 1000.0
    assert (tmp_path / "forged.json").exists()


@pytest.mark.parametrize("engine", ["gradescope", "prairielearn"])
def test_students_never_see_the_hidden_suites_or_the_reference(graded, engine):
    for name in SUBMISSIONS:
        _, found = graded[engine, name]
        visible = json.dumps({k: v for k, v in found.items() if k not in ("extra_data", "_stdout")})
        for secret in ("def test_", "tests/hidden", "from solutions", "reference_call", "@given"):
            assert secret not in visible, (engine, name, secret)


# --- the artefacts themselves (cheap) -----------------------------------------------------------------

def test_gradescope_zip_has_the_scripts_at_its_root_and_everything_grading_needs(artefacts, short_course):
    with zipfile.ZipFile(artefacts["zip"]) as zipped:
        names = set(zipped.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zipped.infolist()}
        course_text = zipped.read("course.yaml").decode()
    assert {"setup.sh", "run_autograder", "course.yaml", "requirements.txt", "export.json",
            "solutions/convolutions.py", "tests/hidden/test_convolutions.py", "autograder/grading/api.py"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert course_text == short_course.read_text(encoding="utf-8")  # the course settings travel as exported
    assert not any("__pycache__" in n or n.startswith(".venv") for n in names)


def test_setup_sh_runs_its_real_logic_dry_and_resolves_the_pins_against_this_venv(artefacts, tmp_path):
    unzip_keeping_modes(artefacts["zip"], tmp_path / "source")
    setup = tmp_path / "source" / "setup.sh"
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "AUTOGRADER_VENV": sys.prefix,
           "AUTOGRADER_SETUP_DRY_RUN": "1"}
    dry = subprocess.run(["bash", str(setup)], env=env, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert f"{sys.prefix}/bin/python -m pip install" in dry.stdout
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in dry.stdout
    assert f"-r {tmp_path}/source/requirements.txt" in dry.stdout
    assert f"--no-deps --no-build-isolation -e {tmp_path}/source" in dry.stdout.replace("\\\n", "")
    assert "-m venv" not in dry.stdout  # an existing environment is reused
    # The real commands, with pip resolving (--dry-run) against this venv and pip's configured index.
    env = {**env, "AUTOGRADER_SETUP_DRY_RUN": "0", "AUTOGRADER_SETUP_CHECK": "1", "AUTOGRADER_TORCH_INDEX": "",
           "AUTOGRADER_PIP_ARGS": "--no-index"}
    check = subprocess.run(["bash", str(setup)], env=env, capture_output=True, text=True, timeout=240)
    assert check.returncode == 0, check.stderr[-2000:]
    assert "Would install" not in check.stdout  # the pins are exactly what grades locally
    assert "árbol de calificación de convolutions" in check.stdout


def test_requirements_pin_the_grader_and_what_it_pulls_in():
    pins = pinned_requirements()
    names = {pin.split("==")[0].lower() for pin in pins if "==" in pin}
    assert any(pin.split("+")[0] == "torch==2.13.0" for pin in pins)  # +cpu: the CPU build grades here
    assert "hypothesis==6.170.17" in pins and "pytest==9.2.0" in pins
    assert {"numpy", "nbgrader", "pydantic", "jinja2", "sympy"} <= names  # direct and indirect
    assert all("==" in pin and ";" not in pin for pin in pins)  # every dependency applies on this platform
    assert {"rfc3339-validator", "webcolors"} <= names  # what an extra pulls in (jsonschema[format-nongpl])


def test_prairielearn_question_follows_the_external_grading_layout(artefacts, short_course):
    question = artefacts["question"]
    info = json.loads((question / "info.json").read_text(encoding="utf-8"))
    options = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and info["type"] == "v3"
    assert options["enabled"] is True and options["enableNetworking"] is False
    assert options["timeout"] == engine_timeout(load_course(short_course))
    entrypoint = question / Path(options["entrypoint"]).relative_to("/grade")
    assert entrypoint.is_file() and os.access(entrypoint, os.X_OK)
    assert "<pl-file-upload" in (question / "question.html").read_text(encoding="utf-8")
    assert {p.name for p in (question / "tests").iterdir()} >= TREE_TOP


def test_dockerfile_copies_the_context_the_export_builds(artefacts):
    context = artefacts["image"]
    assert sorted(p.name for p in context.iterdir()) == sorted(IMAGE_CONTEXT)
    assert {p.name for p in (context / "source").iterdir()} == TREE_TOP
    copies = [line.split()[1:-1] for line in (context / "Dockerfile").read_text(encoding="utf-8").splitlines()
              if line.startswith("COPY ")]
    sources = {src.rstrip("/") for srcs in copies for src in srcs}
    assert sources and all((context / src).exists() for src in sources)
    assert {src.split("/")[0] for src in sources} == set(IMAGE_CONTEXT) - {"Dockerfile"}


def test_image_entrypoint_grades_from_its_own_tree_and_refuses_a_link_to_the_reference(artefacts):
    """As a Kubernetes Job runs it: PrairieLearn's layout, results also on stdout. Nothing runs: no worker."""
    tree = Path(tempfile.mkdtemp(prefix="autograder-image-"))
    try:
        copy_keeping_modes(artefacts["image"] / "source", tree / "source")
        root = tree / "grade"
        (root / "student").mkdir(parents=True)
        os.symlink(tree / "source" / "solutions" / "convolutions.py", root / "student" / "convolutions.py")
        env = {**os.environ, "AUTOGRADER_TREE": str(tree / "source"),
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        done = subprocess.run([str(artefacts["image"] / "entrypoint"), "prairielearn", "--root", str(root),
                               "--print-results"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        printed = json.loads(done.stdout.strip().splitlines()[-1])
        assert printed == json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        formats.validate(printed, "prairielearn")
        assert printed["score"] == 0 and "no es un archivo normal" in printed["message"]
        assert _i("{engine}, tree {tree}, assignment {assignment}", engine="prairielearn", tree=tree / "source",
                  assignment=ASSIGNMENT) in done.stdout
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def test_kubernetes_job_runs_one_isolated_pod_per_submission():
    documents = list(yaml.safe_load_all((REPO_ROOT / "container" / "grading-job.yaml").read_text(encoding="utf-8")))
    policy, = [d for d in documents if d["kind"] == "NetworkPolicy"]
    job, = [d for d in documents if d["kind"] == "Job"]
    assert policy["spec"]["egress"] == [] and set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    pod = job["spec"]["template"]["spec"]
    assert job["spec"]["template"]["metadata"]["labels"] == policy["spec"]["podSelector"]["matchLabels"]
    assert job["spec"]["backoffLimit"] == 0 and pod["restartPolicy"] == "Never"
    assert job["spec"]["activeDeadlineSeconds"] == engine_timeout(load_course())
    assert pod["automountServiceAccountToken"] is False
    container, = pod["containers"]
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    layout = entry.LAYOUTS["prairielearn"]
    assert {f"/grade/{layout.submission}", f"/grade/{layout.results}"} <= mounts
    with pytest.raises(SystemExit) as parsed:  # the Job's arguments are the entrypoint's own
        entry.main(container["args"] + ["--help"])
    assert parsed.value.code == 0


# --- the trusted side's checks, one by one (no grading) ---------------------------------------------

def test_results_schemas_reject_what_the_engines_would_reject():
    good = {"score": 1.0, "tests": [{"name": "a", "score": 1.0, "max_score": 1.0, "status": "passed",
                                     "visibility": "after_published"}]}
    formats.validate(good, "gradescope")
    for bad in ({**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                {**good, "tests": [{**good["tests"][0], "visibility": "later"}]},
                {"tests": [{"name": "a"}]}):
        with pytest.raises(jsonschema.ValidationError):
            formats.validate(bad, "gradescope")
    formats.validate({"gradable": False, "message": "x"}, "prairielearn")
    for bad in ({"gradable": True}, {"gradable": True, "score": 1.5}, {"gradable": True, "score": 0.5, "tests": [{}]}):
        with pytest.raises(jsonschema.ValidationError):
            formats.validate(bad, "prairielearn")
    formats.validate(formats.failure_results("gradescope", "x"), "gradescope")
    formats.validate(formats.failure_results("prairielearn", "x"), "prairielearn")


def test_a_broken_upload_is_told_at_once_and_only_once():
    error = "El notebook x.ipynb está dañado."
    report = {"score": 0.0, "max_score": 30.0, "status": "load_error", "load_error": error, "notes": [error],
              "sandbox": "bubblewrap", "flags": [], "parts": {"conv2d": {"score": 0.0, "max_score": 30.0, "tests": [
                  {"name": "carga del envío", "passed": False, "message": error, "kind": "load", "points": 0.0,
                   "max_points": 30.0}]}}}
    report = Report.from_json({"assignment": "convolutions", **report})
    found = formats.gradescope_results(report, load_course().grading, execution_time=1.5)
    formats.validate(found, "gradescope")
    assert found["output"].count(error) == 1
    assert found["tests"][0]["visibility"] == "visible"  # course.yaml: load failures are shown at once
    assert formats.prairielearn_results(report)["score"] == 0.0


def test_upload_staging_keeps_regular_files_and_skips_links_out(tmp_path):
    upload, secret = tmp_path / "upload", tmp_path / "secret.py"
    upload.mkdir()
    secret.write_text("def conv2d(): pass\n", encoding="utf-8")
    (upload / "mi tarea.py").write_text("x = 1\n", encoding="utf-8")
    os.symlink(secret, upload / "link.py")
    os.link(secret, upload / "hard.py")
    (upload / ".ipynb_checkpoints").mkdir()
    (upload / ".ipynb_checkpoints" / "old.py").write_text("x = 0\n", encoding="utf-8")
    (upload / "..data").mkdir()  # a Kubernetes ConfigMap: visible names link to hidden real files
    (upload / "..data" / "nb.ipynb").write_text("{}", encoding="utf-8")
    os.symlink(upload / "..data" / "nb.ipynb", upload / "nb.ipynb")
    os.mkfifo(upload / "pipe.py")  # reading it would block the grader forever
    target, notes = entry.stage_submission(upload, tmp_path / "staged")
    staged = sorted(p.relative_to(tmp_path / "staged").as_posix() for p in (tmp_path / "staged").rglob("*"))
    assert staged == ["mi tarea.py", "nb.ipynb"] and target == tmp_path / "staged"
    assert not (tmp_path / "staged" / "nb.ipynb").is_symlink()
    assert sum("no es un archivo normal" in n for n in notes) == 3  # link.py, hard.py, pipe.py


def test_upload_staging_reads_prairielearn_data_json_when_no_file_arrived(tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"submitted_answers": {"_files": [
        {"name": "entrega.py", "contents": base64.b64encode(b"x = 1\n").decode()},
        {"name": "../fuera.py", "contents": base64.b64encode(b"x = 2\n").decode()}]}}), encoding="utf-8")
    target, _ = entry.stage_submission(tmp_path / "missing", tmp_path / "staged", data)
    assert target == tmp_path / "staged" / "entrega.py" and target.read_bytes() == b"x = 1\n"
    assert not (tmp_path / "fuera.py").exists()


def test_results_folder_is_locked_before_grading(tmp_path):
    root = Path(tempfile.mkdtemp(prefix="autograder-lock-"))
    try:
        os.chmod(root, 0o755)
        results = root / "results"
        results.mkdir(mode=0o777)
        os.chmod(results, 0o777)
        os.symlink("/etc/passwd", results / "results.json")
        entry.lock_results_dir(results)
        assert stat.S_IMODE(results.stat().st_mode) == 0o755 and not (results / "results.json").is_symlink()
        assert not (results / ".probe").exists()
        os.rmdir(results)
        os.symlink(tmp_path, results)
        with pytest.raises(entry.IsolationError):
            entry.lock_results_dir(results)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_results_folder_below_a_world_writable_folder_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # anyone could rename results/ away and put their own in its place
    with pytest.raises(entry.IsolationError, match="cualquiera puede escribir"):
        entry.lock_results_dir(shared / "results")


def test_without_bubblewrap_nor_root_no_student_code_runs(monkeypatch):
    from autograder.sandbox import launch

    monkeypatch.setattr(launch, "bubblewrap_problem", lambda device="cpu": "sin espacios de nombres")
    monkeypatch.setattr(launch, "privilege_drop_problem", lambda: "no somos root")
    with pytest.raises(entry.IsolationError, match="derechos del calificador"):
        entry.choose_sandbox("auto")
    monkeypatch.setattr(launch, "privilege_drop_problem", lambda: None)
    assert entry.choose_sandbox("auto") == "rlimits"
    with pytest.raises(entry.IsolationError):
        entry.choose_sandbox("bubblewrap")


def test_secrets_are_closed_to_the_workers_uid_under_rlimits(artefacts):
    if not IS_ROOT or privilege_drop_problem() is not None:
        pytest.skip("the rlimits path drops to a private uid, which needs root")
    tree = Path(tempfile.mkdtemp(prefix="autograder-secrets-"))
    try:
        os.chmod(tree, 0o755)
        copy_keeping_modes(artefacts["image"] / "source", tree / "source")
        entry.protect_secrets(tree / "source", "rlimits")  # raises unless a stranger's probe is refused
        assert stat.S_IMODE((tree / "source" / "solutions").stat().st_mode) == 0o700
        assert stat.S_IMODE((tree / "source" / "autograder" / "sandbox").stat().st_mode) & 0o005 == 0o005
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def test_export_command_says_what_is_wrong(tmp_path, capsys):
    assert cli_main(["export", "prairielearn", ASSIGNMENT]) == 2
    assert _i("export {engine} needs --out DIR", engine="prairielearn") in capsys.readouterr().err
    assert cli_main(["export", "gradescope", "no_such_assignment", "--out", str(tmp_path / "a.zip")]) == 2
    assert not (tmp_path / "a.zip").exists()


def test_entrypoint_refuses_to_run_outside_an_exported_tree(capsys):
    assert entry.main(["gradescope", "--root", "/nonexistent"]) == 2  # the checkout has no export.json
    assert "no es un árbol de calificación exportado" in capsys.readouterr().err
