"""Red team: a hostile student against workers forked from a warm template (autograder/sandbox/zygote.py).

One worker (A) runs everything a clever student could try against its template, its keeper, a
sibling forked from the same template while A lives (the pool's spare), the trusted grader and the
repository's secrets; the sibling (B) then looks for whatever A left or opened, and a third worker
(C), forked after A was killed, must come up forked, locked down and correct. Each assertion is
one attack that must stay contained: where one fails, the attack worked.
"""
from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import zygote
from autograder.sandbox.client import Limits, WorkerCrashed, WorkerTimeout
from autograder.sandbox.pool import WorkerPool

#: What a fresh worker's private /tmp holds: nothing, but for the mount points of what Python needs
#: when it lives under /tmp (a checkout there: its virtualenv's bind, moved into the private /tmp).
TMP_SKELETON = tuple(sorted({Path(p).parts[2] for p in (sys.prefix, sys.base_prefix) if Path(p).parts[1:2] == ("tmp",)}))

REPO = Path(__file__).resolve().parents[1]
NATIVE = Path(__file__).with_name("redteam_native.c")
LIMITS = Limits(call_timeout=20)
BAN = ("convolution", "pooling")
HEADER = "import torch\nimport torch.nn.functional as F\n"

ATTACKER = HEADER + f'''
import base64, errno, fcntl, importlib.machinery, importlib.util, os, resource, signal, threading
REPO = {str(REPO)!r}
_held = []          # what A keeps open while B looks: pty, lock, threads
torch.manual_seed(4242)                                   # state left in A's copy of the template's torch
torch.Tensor.__add__ = lambda self, other: torch.zeros(1)
torch.add = lambda *args, **kwargs: torch.zeros(1)

def _err(call):
    try:
        call()
    except OSError as exc:
        return exc.errno
    except Exception as exc:  # noqa
        return type(exc).__name__
    return "allowed"

def native(library, out):
    """Native code without ctypes: an extension module written to /tmp (its PyInit makes raw syscalls)."""
    with open("/tmp/evil.so", "wb") as handle:
        handle.write(base64.b64decode(library))
    loader = importlib.machinery.ExtensionFileLoader("evil", "/tmp/evil.so")
    try:
        importlib.util.module_from_spec(importlib.util.spec_from_file_location("evil", "/tmp/evil.so", loader=loader))
    except BaseException:  # noqa - its PyInit returns NULL on purpose
        pass
    try:
        return dict(line.split() for line in open(out))
    except OSError as exc:
        return {{"not run": exc.errno}}

def _mounts():
    return set(line.split()[4] for line in open("/proc/self/mountinfo"))

def _rw_mounts():
    found = []
    for line in open("/proc/self/mountinfo"):
        fields = line.split()
        point, options = fields[4], fields[5].split(",")
        if "rw" in options and point not in ("/proc", "/tmp", "/dev/shm") and not point.startswith("/proc/"):
            found.append(point)
    return found

def attack(library):
    found = {{"uid": os.getuid()}}
    # 1. copy-on-write: a MAP_SHARED writable mapping inherited from the template is shared with siblings
    found["shared_writable_maps"] = [line.strip() for line in open("/proc/self/maps")
                                     if len(line.split()) > 1 and line.split()[1][1] == "w" and line.split()[1][3] == "s"]
    # 2. every writable folder on a filesystem shared with the template and the siblings
    writable, points = [], _mounts()
    for top in _rw_mounts():
        for folder, dirs, _files in os.walk(top):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in points]  # this mount's folders only
            try:
                with open(os.path.join(folder, f".redteam-{{os.getuid()}}"), "w") as handle:
                    handle.write("dejado por A")
                writable.append(folder)
            except OSError:
                pass
    found["rw_mounts"], found["writable"] = _rw_mounts(), writable
    # 3. the repository's secrets and other students' files
    found["repo_listing"] = sorted(os.listdir(REPO)) if os.path.isdir(REPO) else None
    found["secrets"] = [p for p in (REPO + "/tests/hidden", REPO + "/solutions", REPO + "/tests/submissions",
                                    REPO + "/course.yaml", "/root/.ssh") if os.path.exists(p)]
    # 4. escapes from Python: root again, raising the rlimits, a pidfd or a signal for anybody else
    found["setuid0"] = _err(lambda: os.setuid(0))
    found["raise_as"] = _err(lambda: resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY,) * 2))
    found["raise_nproc"] = _err(lambda: resource.setrlimit(resource.RLIMIT_NPROC, (10 ** 6,) * 2))
    found["pidfds"] = [pid for pid in range(2, 4096) if _err(lambda: os.close(os.pidfd_open(pid))) == "allowed"]
    found["kill_all"] = _err(lambda: os.kill(-1, signal.SIGKILL))
    # 5. escapes in native code (no audit hook there): namespaces, mounts, a child, ptrace; an abstract
    #    socket and a SysV segment for the sibling to find
    found["native"] = native(library, "/tmp/evil_a.out") if library else {{}}
    # 6. channels a sibling could share: a pty (devpts), a lock on a file of the shared read-only root
    try:
        master, slave = os.openpty()
        _held.extend([master, slave])
        found["pty"] = os.ttyname(slave)
    except OSError as exc:
        found["pty"] = exc.errno
    lock = open("/opt/autograder-worker/worker.py")
    _held.append(lock)
    found["flock"] = _err(lambda: fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB))
    # 7. exhaustion: every thread its uid may have, /tmp and /dev/shm full
    stop = threading.Event()
    count = 0
    try:
        for _ in range(4096):
            threading.Thread(target=stop.wait, daemon=True).start()
            count += 1
    except (RuntimeError, MemoryError):
        pass
    found["threads"] = count
    for folder, files in (("/tmp", 40), ("/dev/shm", 4)):  # 8 MiB files (each under RLIMIT_FSIZE)
        try:
            for index in range(files):
                with open(f"{{folder}}/lleno{{index}}", "wb") as handle:
                    for _ in range(8):
                        handle.write(b"x" * (1 << 20))
        except OSError as exc:
            found[f"fill {{folder}}"] = exc.errno
    return found

def hang():
    """Never answers, nor dies of a polite signal: the client must kill it."""
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    while True:
        pass
'''

SIBLING = HEADER + '''
import base64, fcntl, importlib.machinery, importlib.util, os

def look(writable, library):
    seen = {"uid": os.getuid(), "tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm"))}
    seen["pts"] = sorted(os.listdir("/dev/pts")) if os.path.isdir("/dev/pts") else []
    seen["left_by_a"] = [folder for folder in writable if os.path.isdir(folder)
                         and any(name.startswith(".redteam-") for name in os.listdir(folder))]
    with open("/opt/autograder-worker/worker.py") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen["flock"] = "free"
        except OSError as exc:
            seen["flock"] = exc.errno
    if library:
        open("/tmp/look", "w").close()
        with open("/tmp/evil.so", "wb") as handle:
            handle.write(base64.b64decode(library))
        loader = importlib.machinery.ExtensionFileLoader("evil", "/tmp/evil.so")
        try:
            importlib.util.module_from_spec(importlib.util.spec_from_file_location("evil", "/tmp/evil.so", loader=loader))
        except BaseException:  # noqa
            pass
        seen["native"] = dict(line.split() for line in open("/tmp/evil_b.out"))
    return seen
'''

REFERENCE_CONV = HEADER + '''
def add(a, b):
    return {"plus": float((a + b)[0]), "add": float(torch.add(a, b)[0]), "seed": torch.initial_seed()}
'''


@pytest.fixture(scope="module")
def pool():
    problem = zygote.template_problem("auto", "cpu")
    if problem is not None:
        pytest.skip(f"no template here: {problem}")
    pool = WorkerPool()
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> str:
    """The student's native code (tests/redteam_native.c), built here: base64 of a shared library."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        return ""  # the native attacks are then not run (the Python ones still are)
    built = tmp_path_factory.mktemp("native") / "evil.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-O1", "-o", str(built), str(NATIVE)], check=True, capture_output=True)
    return base64.b64encode(built.read_bytes()).decode()


EPERM, ENOSPC = 1, 28


def test_a_hostile_forked_worker_reaches_neither_template_sibling_nor_secrets(pool, library):
    attacker = pool.claim(ATTACKER, device="cpu", limits=LIMITS, sandbox="auto", ban=BAN)
    with attacker:
        assert attacker.start().ok
        assert attacker.forked, attacker.notes
        sibling = pool._spares[("cpu", LIMITS, "auto", BAN)].result(timeout=300)  # forked while A lives
        assert sibling.forked and sibling._proc.poll() is None
        found = attacker.call("attack", (library,)).value
        print("A found:", found)
        # copy-on-write: nothing writable is shared with the template's other children
        assert found["shared_writable_maps"] == (), found["shared_writable_maps"]
        # no writable folder on a filesystem the template and the siblings share
        assert found["writable"] == (), (found["writable"], found["rw_mounts"])
        # the repository: only its virtualenv is bound in; the secrets are nowhere
        assert found["repo_listing"] in (None, (".venv",)), found["repo_listing"]
        assert found["secrets"] == (), found["secrets"]
        # no root again, hard rlimits, no pidfd of anybody else (template, keeper, sibling)
        assert found["setuid0"] == EPERM, found
        assert found["raise_as"] in (EPERM, "ValueError") and found["raise_nproc"] in (EPERM, "ValueError"), found
        assert found["pidfds"] == (), found
        assert found["threads"] < LIMITS.max_processes, found["threads"]
        assert found.get("fill /tmp") == ENOSPC and found.get("fill /dev/shm") == ENOSPC, found  # its own caps
        if library:  # native code (the audit hook never sees it): the kernel's filter refuses every door
            native = found["native"]
            assert native.get("abstract_bind") == "0", native  # its own network namespace: allowed, and private
            for door in ("unshare_user", "unshare_ns", "mount", "umount", "fork", "clone", "setuid0", "chroot"):
                assert native.get(door) == str(EPERM), (door, native)
            assert native.get("ptraced") == "0", native
        # A holds its pty, lock, abstract socket and SysV segment while the sibling looks
        second = pool.claim(SIBLING, device="cpu", limits=LIMITS, sandbox="auto", ban=BAN)
        assert second is sibling
        with second:
            assert second.start().ok
            seen = second.call("look", (list(found["rw_mounts"]), library)).value
            print("B saw:", seen)
            assert seen["uid"] not in (0, found["uid"]), seen
            assert seen["tmp"] == TMP_SKELETON and seen["shm"] == (), seen  # A's full /tmp and /dev/shm: its own
            assert seen["left_by_a"] == (), seen
            if library:  # its own network and IPC namespaces: A's socket and segment are not there
                assert seen["native"].get("abstract_connect") != "0" and seen["native"].get("shmget") != "0", seen
    assert pool._templates["cpu"].alive()


def test_a_worker_that_hangs_and_ignores_signals_is_killed_and_the_template_serves_on(pool):
    hanging = pool.claim(ATTACKER, device="cpu", limits=Limits(call_timeout=3), sandbox="auto", ban=())
    with hanging:
        assert hanging.start().ok
        proc = hanging._proc
        with pytest.raises((WorkerTimeout, WorkerCrashed)):
            hanging.call("hang")
    assert proc.returncode is not None  # dead, pid namespace and all
    assert pool._templates["cpu"].alive()
    after = pool.claim(REFERENCE_CONV, device="cpu", limits=Limits(call_timeout=3), sandbox="auto", ban=())
    with after:
        assert after.start().ok
        assert after.forked, after.notes  # still forked from the same template, not launched apart
        assert after.lockdown["seccomp"] and after.lockdown["no_new_privs"], after.lockdown
        import torch

        got = after.call("add", (torch.ones(1), torch.ones(1))).value  # nothing of A's torch is left in the template
        assert got["plus"] == 2.0 and got["add"] == 2.0 and got["seed"] != 4242, got


PTY_HOLDER = HEADER + '''
import os
_held = []

def open_pty():
    master, slave = os.openpty()
    _held.extend([master, slave])
    return os.ttyname(slave)

def pts():
    return sorted(os.listdir("/dev/pts"))
'''


def test_a_sibling_cannot_see_the_pty_another_forked_worker_holds(pool):
    """bubblewrap's --dev gives each worker it launches a devpts of its own; the template's children
    share the template's one unless each worker mounts its own: A's pty would then show in B's /dev/pts
    (a channel between two workers, and a sign that a sibling runs)."""
    kind = Limits(call_timeout=5)
    holder = pool.claim(PTY_HOLDER, device="cpu", limits=kind, sandbox="auto", ban=())
    with holder:
        assert holder.start().ok and holder.forked, holder.notes
        name = holder.call("open_pty").value
        looker = pool.claim(PTY_HOLDER, device="cpu", limits=kind, sandbox="auto", ban=())
        with looker:
            assert looker.start().ok and looker.forked, looker.notes
            seen = looker.call("pts").value
    assert name.rsplit("/", 1)[-1] not in seen, (name, seen)
