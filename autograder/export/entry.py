"""The entrypoint grading engines run: one submission in, the engine's results.json out.

``python -m autograder.export.entry ENGINE [--root DIR]``, run from the root of an exported tree
(autograder/export/tree.py), as Gradescope's ``run_autograder``, PrairieLearn's entrypoint or a
Kubernetes Job do. The steps, in order:

1. lock the results folder: ours, mode 0755, no stale results.json, and checked unwritable by
   any other uid (an unprivileged probe tries to write there and must fail);
2. choose the sandbox this machine can give (bubblewrap, else rlimits with a private
   unprivileged uid, which needs root); refuse to run student code with the grader's own rights;
3. make the tree's secrets (solutions/, tests/, course.yaml) unreadable to other uids and check it;
4. copy the student's files into a private folder: regular files only (no symlinks, no hard
   links, no device files), capped in number and size;
5. ``grade_submission`` — the same call as ``autograder grade`` — with the sandbox of step 2;
6. write the engine's results.json atomically, after every process of the student has ended.

Late penalties and class statistics stay the engine's job. Example::

    cd /autograder/source && python -m autograder.export.entry gradescope   # root /autograder
    cd /grade/tests && python -m autograder.export.entry prairielearn       # root /grade
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.config import REPO_ROOT, CourseConfigError, load_course, use_course_language
from autograder.export import results as formats
from autograder.export.tree import COURSE_FILE, SECRET_PATHS, ExportError, read_manifest
from autograder.i18n import N_i, _, _i

#: Caps on what is copied from the student's upload (bigger uploads are not a notebook).
MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES, MAX_DEPTH = 64, 20 * 1024 * 1024, 50 * 1024 * 1024, 6
SAFE_NAME = re.compile(r"^[\w .()+,=@-]{1,120}$")
RESULTS_FILE = "results.json"


@dataclass(frozen=True)
class Layout:
    """Where an engine puts the student's files and expects the results, below its root."""

    engine: str
    default_root: str
    submission: str
    results: str
    data: str | None = None  # PrairieLearn's data.json (submitted files, base64), relative to the root


LAYOUTS = {
    "gradescope": Layout("gradescope", "/autograder", "submission", "results"),
    "prairielearn": Layout("prairielearn", "/grade", "student", "results", data="data/data.json"),
}


class IsolationError(RuntimeError):
    """Student code cannot be kept away from the results or the secrets here; nothing is graded."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.export.entry", description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=sorted(LAYOUTS))
    parser.add_argument("--root", type=Path, default=None,
                        help="the engine's folder (default: $AUTOGRADER_ROOT, else /autograder or /grade)")
    parser.add_argument("--sandbox", choices=["auto", "bubblewrap", "rlimits"],
                        default=os.environ.get("AUTOGRADER_SANDBOX", "auto"),
                        help="the worker's sandbox (default: $AUTOGRADER_SANDBOX, else auto)")
    parser.add_argument("--print-results", action="store_true", help="also print results.json on stdout")
    args = parser.parse_args(argv)
    layout = LAYOUTS[args.engine]
    root = args.root or Path(os.environ.get("AUTOGRADER_ROOT") or layout.default_root)
    try:
        assignment = read_manifest(REPO_ROOT)["assignment"]
        course = load_course(REPO_ROOT / COURSE_FILE)
        use_course_language(course)
    except (ExportError, CourseConfigError) as exc:
        print(f"autograder: {exc}", file=sys.stderr)
        return 2
    code, results = run_engine(layout, Path(root), course, assignment, sandbox=args.sandbox)
    if args.print_results:
        print(json.dumps(results, ensure_ascii=False))
    return code


def run_engine(layout: Layout, root: Path, course, assignment: str, *, sandbox: str = "auto") -> tuple[int, dict]:
    """Grade the submission below ``root`` and write results.json there; (exit code, the results)."""
    from autograder.grading.api import GraderError, grade_report

    started = time.monotonic()
    results_dir = root / layout.results
    try:
        lock_results_dir(results_dir)
    except (IsolationError, OSError) as exc:  # nowhere safe to write: nothing is graded, nothing written
        print("autograder: " + _i("could not grade: {problem}", problem=exc), file=sys.stderr)
        return 1, formats.failure_results(layout.engine, str(exc))
    print("autograder: " + _i("{engine}, tree {tree}, assignment {assignment}", engine=layout.engine, tree=REPO_ROOT,
                              assignment=assignment))
    staging = Path(tempfile.mkdtemp(prefix="autograder-submission-"))
    try:
        kind = choose_sandbox(sandbox)
        protect_secrets(REPO_ROOT, kind)
        target, notes = stage_submission(root / layout.submission, staging / "entrega",
                                         root / layout.data if layout.data else None)
        report = grade_report(course, target, assignment, sandbox=kind)
        report.notes = notes + report.notes
        if layout.engine == "gradescope":
            results = formats.gradescope_results(report, course.grading, execution_time=time.monotonic() - started)
        else:
            results = formats.prairielearn_results(report)
        code = 0
        print("autograder: " + _i("sandbox {sandbox}, score {score}/{max_score}, status {status}",
                                  sandbox=report.sandbox, score=format(report.score, "g"),
                                  max_score=format(report.max_score, "g"), status=report.status))
        print("autograder: audit " + json.dumps(formats.audit(report), ensure_ascii=False))
    except (IsolationError, GraderError, CourseConfigError) as exc:
        print("autograder: " + _i("could not grade: {problem}", problem=exc), file=sys.stderr)
        results, code = formats.failure_results(layout.engine, str(exc)), 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    write_results(results_dir / RESULTS_FILE, results)
    return code, results


# --- 1. the results folder ---------------------------------------------------------------------------

def lock_results_dir(folder: Path) -> None:
    """Make ``folder`` ours and writable by nobody else, with no results.json in it; verify it."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(mode=0o755)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode):
        raise IsolationError(_i("{folder} is not a plain folder (a symlink?)", folder=folder))
    if info.st_uid != os.geteuid():
        if os.geteuid() != 0:
            raise IsolationError(_i("{folder} belongs to uid {uid}, not to the grader", folder=folder, uid=info.st_uid))
        os.chown(folder, 0, 0)
    os.chmod(folder, 0o755)
    stale = folder / RESULTS_FILE
    if stale.is_symlink() or stale.exists():
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    problem = writable_by_others(folder)
    if problem is None:
        problem = _probe_as_stranger(["/bin/sh", "-c", f": > '{folder}/.probe'"], expect_failure=True)
    if problem is not None:
        raise IsolationError(_i("the results folder is not safe: {problem}", problem=problem))


def writable_by_others(folder: Path) -> str | None:
    """Why another uid could change ``folder`` or replace it (a writable ancestor), or None."""
    folder = Path(folder).resolve()
    info = os.stat(folder)
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        return _i("{folder} is writable by others (mode {mode}, uid {uid})", folder=folder,
                  mode=stat.filemode(info.st_mode), uid=info.st_uid)
    for ancestor in folder.parents:
        mode = os.stat(ancestor).st_mode
        if mode & 0o002 and not mode & stat.S_ISVTX:
            return _i("{folder} is writable by anyone: the results folder could be replaced", folder=ancestor)
    return None


def _probe_as_stranger(argv: list[str], *, expect_failure: bool) -> str | None:
    """As root, run ``argv`` as a fresh unprivileged uid; None when it failed (or passed) as expected."""
    if os.geteuid() != 0:
        return None  # no other uid exists for us: choose_sandbox decides whether that is acceptable
    from autograder.sandbox.launch import SETPRIV, next_uid

    uid = next_uid()
    command = [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"] + argv
    probe = subprocess.run(command, capture_output=True, timeout=30, env={"PATH": "/usr/bin:/bin"}, cwd="/")
    if (probe.returncode != 0) == expect_failure:
        return None
    said = N_i("an unprivileged uid could run: {command}") if expect_failure else N_i("an unprivileged uid could not run: {command}")
    return _i(said, command=" ".join(argv))


# --- 2. the sandbox -----------------------------------------------------------------------------------

def choose_sandbox(requested: str = "auto") -> str:
    """bubblewrap when it runs here, else rlimits under a private uid; IsolationError when neither."""
    from autograder.sandbox.launch import bubblewrap_problem, privilege_drop_problem

    if requested in ("auto", "bubblewrap"):
        problem = bubblewrap_problem("cpu")
        if problem is None:
            return "bubblewrap"
        if requested == "bubblewrap":
            raise IsolationError(problem)
        print("autograder: " + _i("{problem}; falling back to rlimits and a private uid", problem=problem))
    drop = privilege_drop_problem()
    if drop is not None:
        raise IsolationError(_i("bubblewrap cannot run here and the worker cannot drop to an unprivileged uid "
                                "({problem}): student code would run with the grader's rights. Run the grader as "
                                "root (it drops privileges itself) or where bubblewrap can make namespaces.",
                                problem=drop))
    return "rlimits"


# --- 3. the secrets -----------------------------------------------------------------------------------

def protect_secrets(tree: Path, sandbox: str) -> None:
    """No other uid may write anywhere in the tree or read its secrets; checked when it matters.

    Under bubblewrap the worker does not see the tree at all; under rlimits it sees the whole
    filesystem as its unprivileged uid, so the secrets must be closed to it (the worker's own two
    files in autograder/sandbox/ stay readable: it runs them).
    """
    tree = Path(tree)
    for path in [tree, *tree.rglob("*")]:
        try:
            info = os.lstat(path)
            if not stat.S_ISLNK(info.st_mode):
                os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o022)
        except OSError:
            pass  # a read-only mount: the probe below says whether that is a problem
    for name in SECRET_PATHS:
        try:
            os.chmod(tree / name, 0o700 if (tree / name).is_dir() else 0o600)
        except OSError:
            pass
    if sandbox == "rlimits":
        worker = tree / "autograder" / "sandbox" / "worker.py"
        problem = _probe_as_stranger(["/bin/sh", "-c", f"cat '{worker}' > /dev/null"], expect_failure=False)
        if problem is not None:
            raise IsolationError(_i("the worker's uid cannot read its own code (make the tree's folders 0755): {problem}",
                                    problem=problem))
        for secret in (tree / "solutions" / "__init__.py", tree / COURSE_FILE):
            problem = _probe_as_stranger(["/bin/sh", "-c", f"cat '{secret}' > /dev/null"], expect_failure=True)
            if problem is not None:
                raise IsolationError(_i("the course's secrets are readable by the worker's uid: {problem}",
                                        problem=problem))
        # The trusted side's own code: the grader's package and the environment it imports from.
        for folder in (tree / "autograder" / "grading", Path(sysconfig.get_paths()["purelib"])):
            problem = _probe_as_stranger(["/bin/sh", "-c", f": > '{folder}/.probe'"], expect_failure=True)
            if problem is not None:
                raise IsolationError(_i("the grader's code is writable by the worker's uid: {problem}", problem=problem))


# --- 4. the student's files ---------------------------------------------------------------------------

def stage_submission(source: Path, dest: Path, data_json: Path | None = None) -> tuple[Path, list[str]]:
    """Copy the upload's regular files into ``dest``; (what to grade, notes for the student).

    What to grade is the one notebook or .py when there is exactly one, else the folder (the
    grader then looks for the assignment's notebook in it). Symlinks, hard links and special
    files are skipped with a note: they could point at the course's secrets.
    """
    dest.mkdir(mode=0o700, parents=True)
    notes: list[str] = []
    copied = _copy_upload(Path(source), dest, notes) if Path(source).is_dir() else 0
    if copied == 0 and data_json is not None and data_json.is_file():
        copied = _files_from_data_json(data_json, dest, notes)
    candidates = [p for p in dest.rglob("*") if p.is_file() and p.suffix in (".ipynb", ".py")]
    if len(candidates) == 1:
        return candidates[0], notes
    return dest, notes


def _copy_upload(source: Path, dest: Path, notes: list[str]) -> int:
    copied, total = 0, 0
    inside = os.path.realpath(source)
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        # Hidden entries are editor and system litter (.ipynb_checkpoints, .DS_Store) or, in a
        # Kubernetes ConfigMap volume, the real files the visible names link to.
        dirnames[:] = [] if len(Path(dirpath).relative_to(source).parts) >= MAX_DEPTH else \
            sorted(d for d in dirnames if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(n for n in filenames if not n.startswith(".")):
            path = Path(dirpath) / name
            relative = path.relative_to(source)
            real = _inside(path, inside)
            info = os.lstat(real) if real else None
            if info is None or not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
                notes.append(_("{file} was ignored: it is not a regular file (a link?); upload the file itself.", file=relative))
                continue
            if not all(SAFE_NAME.match(part) for part in relative.parts):
                notes.append(_("A file with a name that is not allowed was ignored: {name}.", name=ascii(str(relative))))
                continue
            if copied >= MAX_FILES or info.st_size > MAX_FILE_BYTES or total + info.st_size > MAX_TOTAL_BYTES:
                notes.append(_("{file} was ignored: the submission exceeds the allowed size or number of "
                               "files.", file=relative))
                continue
            target = dest / relative
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _copy_regular_file(Path(real), target, info.st_size)
            copied, total = copied + 1, total + info.st_size
    return copied


def _inside(path: Path, root: str) -> str | None:
    """``path`` itself, or where its symlink leads when that stays inside the upload; else None."""
    if not os.path.islink(path):
        return str(path)
    real = os.path.realpath(path)
    return real if os.path.commonpath([real, root]) == root and real != root else None


def _copy_regular_file(path: Path, target: Path, size: int) -> None:
    """Copy without following a link swapped in after the check, and never more than ``size`` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(_i("{path} changed while it was copied", path=path))
        with os.fdopen(os.dup(fd), "rb") as handle, open(target, "xb") as out:
            out.write(handle.read(min(size, MAX_FILE_BYTES)))
    finally:
        os.close(fd)


def _files_from_data_json(data_json: Path, dest: Path, notes: list[str]) -> int:
    """PrairieLearn also sends uploads base64-encoded in data.json (``submitted_answers._files``)."""
    if data_json.stat().st_size > MAX_TOTAL_BYTES * 2:
        return 0
    try:
        files = json.loads(data_json.read_text(encoding="utf-8"))["submitted_answers"]["_files"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    copied = 0
    for entry in files if isinstance(files, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not SAFE_NAME.match(name) or name in (".", ".."):
            continue
        try:
            content = base64.b64decode(entry.get("contents", ""), validate=True)
        except (ValueError, TypeError):
            notes.append(_("{file} was ignored: its content could not be decoded.", file=name))
            continue
        if copied >= MAX_FILES or len(content) > MAX_FILE_BYTES:
            continue
        (dest / name).write_bytes(content)
        copied += 1
    return copied


# --- 6. results ---------------------------------------------------------------------------------------

def write_results(path: Path, results: dict) -> None:
    """Write results.json atomically (a temporary file in the same folder, then a rename)."""
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=".results-",
                                         suffix=".json", delete=False)
    with handle:
        json.dump(results, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)


if __name__ == "__main__":
    sys.exit(main())
