"""One grading run, in a trusted child process: pytest + Hypothesis on one suite, one submission.

The parent (autograder/grading/api.py) starts ``python -m autograder.grading.session`` per
submission, so grading many submissions from one process (threads, a class) never shares
pytest's or Hypothesis' global state. The child writes its raw results (each test's outcome,
the ops each part reached, the worker's load result) as JSON to ``--out``; the parent scores.
Example::

    python -m autograder.grading.session --assignment convolutions --source sub.py \
        --profile hidden --seed 123 --device cpu --out result.json
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.machinery
import importlib.util
import io
import sys
from collections.abc import Collection
from pathlib import Path

from autograder.config import REPO_ROOT, load_course, solutions_dir
from autograder.i18n import set_language
from autograder.sandbox.worker import configure_torch  # the worker's settings, one definition

#: pytest's configuration for grading runs: none of the repository's addopts (xdist...), no cache.
#: Written beside the result file (a package-data file would not survive a plain install).
PYTEST_INI = "[pytest]\naddopts =\npython_files = test_*.py\n"

#: The plugins a grading session runs: pytest's own, Hypothesis' (``--hypothesis-seed``) and, passed
#: to ``pytest.main``, GradingPlugin; nothing else installed (xdist, anyio... loaded through entry
#: points by default) can reach a grade. ``unraisableexception`` goes too: at the session's end it
#: runs ``gc.collect()`` twice only to turn unraisable exceptions into warnings no report shows,
#: 0.2-0.25 CPU-seconds each in a process that has torch, Hypothesis and the suites loaded.
PLUGIN_ARGS = ("--disable-plugin-autoload", "-p", "_hypothesis_pytestplugin", "-p", "no:cacheprovider",
               "-p", "no:unraisableexception")


def suite_path(assignment: str, profile: str) -> Path:
    """The suite a profile runs: hidden suites for grading, the public ones for students."""
    if profile == "public":
        return REPO_ROOT / "autograder" / "public" / "suites" / f"test_{assignment}.py"
    return REPO_ROOT / "tests" / "hidden" / f"test_{assignment}.py"


def use_solutions(folder: Path) -> None:
    """Make ``import solutions`` (what the suites import the reference from) read ``folder`` and
    nothing else: a course copy's ``solutions/`` beside its course file, never the repository's
    in its place, not even for a file the copy lacks (that is an ImportError the instructor sees)."""
    for name in [name for name in sys.modules if name == "solutions" or name.startswith("solutions.")]:
        del sys.modules[name]
    folder = Path(folder).resolve()
    init = folder / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location("solutions", init, submodule_search_locations=[str(folder)])
    else:  # a folder of modules without __init__.py: a package of exactly that folder
        spec = importlib.machinery.ModuleSpec("solutions", None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
    module = importlib.util.module_from_spec(spec)
    sys.modules["solutions"] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)


def run_session(*, course_file: Path | None, assignment: str, source: str, profile: str, seed: int,
                device: str, out: Path, sandbox: str = "auto", only_part: str | Collection[str] | None = None) -> int:
    """Run the suite (only ``only_part``'s tests, one part or several, when given); write the raw
    results to ``out``; return pytest's exit code."""
    from autograder.grading.banned_ops import worker_ban
    from autograder.grading.plugin import GradingPlugin
    from autograder.sandbox.client import Limits

    course = load_course(course_file)
    set_language(course.course.language)  # the messages of this session are in the course's language
    grading = course.grading
    limits = Limits(memory_mb=grading.memory_mb, cpu_seconds=int(grading.submission_timeout),
                    max_processes=grading.max_processes, max_output_kb=grading.max_output_kb,
                    call_timeout=float(grading.call_timeout), max_reply_mb=grading.max_reply_mb,
                    max_replies_mb=grading.max_replies_mb)
    plugin = GradingPlugin(source=source, device=device, limits=limits, sandbox=sandbox,
                           budget_s=grading.submission_timeout, result_path=out, only_part=only_part,
                           ban=worker_ban(course.assignment(assignment).parts), profile=profile)
    # The worker's start (mostly its torch import) overlaps with ours: seconds per submission.
    plugin.start_worker_in_background()

    import pytest
    from hypothesis import settings

    from autograder.grading.profiles import apply_shrink_budget, register_profiles

    register_profiles()
    settings.load_profile(profile)
    apply_shrink_budget(profile)
    configure_torch(device)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))  # tests/ (the hidden suites) are read from the repository
    if profile != "public":  # the public checks never read the reference (a student's folder may hold one)
        use_solutions(solutions_dir(course))  # the reference: the course's own, beside its course file
    ini = out.with_name("grading_pytest.ini")
    ini.write_text(PYTEST_INI, encoding="utf-8")
    args = [str(suite_path(assignment, profile)), "-c", str(ini), "--rootdir", str(REPO_ROOT),
            "-q", *PLUGIN_ARGS, f"--hypothesis-seed={seed}"]
    # pytest's terminal output is not the report: keep it out of the way.
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main(args, plugins=[plugin])
    if not out.exists():
        plugin.write(finished=True)
    return int(code)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=None)
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--source", type=Path, required=True, help="the submission's Python source")
    parser.add_argument("--profile", default="hidden")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sandbox", default="auto")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--part", default=None, help="run only this part's tests")
    args = parser.parse_args(argv)
    code = run_session(course_file=args.course, assignment=args.assignment,
                       source=args.source.read_text(encoding="utf-8"), profile=args.profile, seed=args.seed,
                       device=args.device, out=args.out, sandbox=args.sandbox, only_part=args.part)
    # pytest's "tests failed" (1) is a normal grading outcome; anything else is the grader's problem.
    return 0 if code in (0, 1) else code


if __name__ == "__main__":
    sys.exit(main())
