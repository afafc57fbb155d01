"""Pre-started workers (autograder/sandbox/pool.py): ready before they are needed, one submission each.

A claimed worker was spawned and locked down before any student code existed; the threat model
is that everything inside a worker is hostile once the student's code loads, so these tests load
hostile code into one worker and look, from the next student's worker, for anything it left.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from autograder.sandbox import lockdown
from autograder.sandbox.client import Limits, StudentError, WorkerCrashed
from autograder.sandbox.pool import WorkerPool, isolated

HEADER = "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
LIMITS = Limits(call_timeout=60)
BAN = ("convolution", "pooling")

# The first student: leaves state everywhere it can, then looks for other workers to reach.
HOSTILE = HEADER + '''
import builtins, os
open("dejado_por_a", "w").write("secreto de A")   # its working folder: the private /tmp under bubblewrap
builtins.dejado_por_a = True
os.environ["DEJADO_POR_A"] = "1"
torch.add = lambda *a, **k: torch.zeros(1)
torch.Tensor.__add__ = lambda self, other: torch.zeros(1)
torch.manual_seed(12345)

def reach_others():
    """Every other process this code can see, and the pipes of theirs it could open."""
    seen, opened = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read()
        except OSError:
            continue
        seen.append(entry)
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                handle = os.open(f"/proc/{entry}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            opened.append(f"{entry}:{fd}")
            os.close(handle)
    return {"seen": len(seen), "opened": opened, "uid": os.getuid()}

def forge():
    """A reply frame of its own on its pipe to the trusted side (the next worker must not care)."""
    import json, struct, sys
    out = int(sys.argv[sys.argv.index("--out-fd") + 1])
    raw = json.dumps({"ok": True, "value": 1.0, "info": {"$dict": []}, "ops": {"$tuple": []},
                      "grads": {"$dict": []}, "seconds": 0.0, "$buffers": []}).encode()
    with open(out, "wb", closefd=False) as pipe:
        pipe.write(struct.pack(">I", len(raw)) + raw)
    return 2.0
'''

# The next student: only looks.
LOOKS = HEADER + '''
import builtins, os

def look():
    return {"cwd": sorted(os.listdir(os.getcwd())), "builtins": hasattr(builtins, "dejado_por_a"),
            "environ": os.environ.get("DEJADO_POR_A"), "add": float(torch.add(torch.ones(1), 1)[0]),
            "plus": float((torch.ones(1) + 1)[0]), "rand": float(torch.rand(1)[0]), "uid": os.getuid()}

def convolve(x, w):
    return F.conv2d(x, w)
'''

pytestmark = pytest.mark.skipif(not isolated("auto", "cpu"), reason="no isolated worker here: the pool pre-starts nothing")


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool()
    yield pool
    pool.close()


@pytest.mark.parametrize("sandbox", ["auto", "rlimits"])
def test_a_prestarted_worker_never_sees_the_previous_students_state(pool, sandbox):
    if not isolated(sandbox, "cpu"):
        pytest.skip(f"{sandbox}: no isolated worker here, so nothing is pre-started")
    first = pool.claim(HOSTILE, device="cpu", limits=LIMITS, sandbox=sandbox, ban=())
    assert first._requests == 0  # pre-started: nothing was sent to it before the source
    with first:
        assert first.start().ok
        reached = first.call("reach_others").value
        assert tuple(reached["opened"]) == (), reached  # no other process's pipes, the spare's included
        with pytest.raises(WorkerCrashed, match="nonce"):
            first.call("forge")
        second = pool.claim(LOOKS, device="cpu", limits=LIMITS, sandbox=sandbox, ban=())
        with second:
            assert second.start().ok
            seen = second.call("look").value
            assert second._worker_pid != first._worker_pid
            assert second.tampering == []
    assert "dejado_por_a" not in seen["cwd"], seen  # (rlimits shares /tmp itself, as the README says)
    assert not seen["builtins"] and seen["environ"] is None, seen
    assert seen["add"] == 2.0 and seen["plus"] == 2.0, seen
    if os.geteuid() == 0:  # each worker its own unprivileged uid
        assert seen["uid"] != reached["uid"], (seen, reached)


def test_the_ban_of_the_assignment_is_in_place_before_the_source_is_sent(pool):
    # The spare waiting now was started without a ban (the previous claim's kind): never handed out here.
    banned = pool.claim(HEADER + "y = F.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2))\n",
                        device="cpu", limits=LIMITS, sandbox="auto", ban=BAN)
    with banned:
        if banned._proc is not None:  # pre-started: checked from outside before any request
            assert banned._requests == 0
            assert banned.lockdown["banned_overloads"] > 100 and banned.lockdown["seccomp"], banned.lockdown
        loaded = banned.start()
        assert not loaded.ok and lockdown.BAN_MARKER in loaded.error + loaded.traceback, loaded
    unbanned = pool.claim(LOOKS, device="cpu", limits=LIMITS, sandbox="auto", ban=())
    with unbanned:
        assert unbanned.start().ok
        import torch

        got = unbanned.call("convolve", (torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2))).value
        assert got.shape == (1, 1, 2, 2)


def test_a_spare_that_died_is_replaced_by_a_fresh_worker(pool):
    kind = ("cpu", LIMITS, "auto", ())
    spare = pool._spares[kind].result(timeout=300)
    if spare.forked:  # pid 1 of its own pid namespace, not a process group leader
        spare._proc.kill()
    else:
        os.killpg(spare._proc.pid, signal.SIGKILL)
    spare._proc.wait(timeout=30)
    worker = pool.claim(LOOKS, device="cpu", limits=LIMITS, sandbox="auto", ban=())
    assert worker is spare
    with worker:
        assert worker.start().ok  # spawned anew: a dead spare is never used
        assert worker.call("look").value["add"] == 2.0
        with pytest.raises(StudentError):
            worker.call("convolve", (1, 2))


# A forked worker (autograder/sandbox/zygote.py): everything it can try against its template,
# its keeper and a sibling forked from the same template.
FORKED_ATTACK = HEADER + '''
import os, resource, signal

def attack():
    found = {"pids": sorted(e for e in os.listdir("/proc") if e.isdigit()), "uid": os.getuid(),
             "address_space": resource.getrlimit(resource.RLIMIT_AS)[0], "host": os.uname().nodename}
    found["shared"] = [line for line in open("/proc/self/maps") if line.split()[1][1:4:2] == "ws"]
    found["fds"] = sorted((fd, os.readlink(f"/proc/self/fd/{fd}")) for fd in os.listdir("/proc/self/fd")
                          if os.path.exists(f"/proc/self/fd/{fd}"))
    signalable = []
    for pid in range(2, 300):  # whatever pid the template, the keeper or a sibling has, as seen from here
        try:
            os.kill(pid, 0)
            signalable.append(pid)
        except OSError:
            pass
    found["signalable"] = signalable
    try:
        os.kill(-1, signal.SIGKILL)  # every process it may signal (init, itself, excepted)
    except OSError as exc:
        found["kill_all"] = exc.errno
    for folder in ("/tmp", "/dev/shm"):
        with open(f"{folder}/secreto_de_a", "w") as handle:
            handle.write("a")
    return found
'''
SIBLING_LOOKS = HEADER + '''
import os

def look():
    return {"tmp": sorted(os.listdir("/tmp")), "shm": sorted(os.listdir("/dev/shm")), "uid": os.getuid()}
'''


def test_a_forked_worker_reaches_neither_its_template_nor_a_sibling(pool):
    from autograder.sandbox import zygote

    if zygote.template_problem("auto", "cpu") is not None:
        pytest.skip(f"no template here: {zygote.template_problem('auto', 'cpu')}")
    attacker = pool.claim(FORKED_ATTACK, device="cpu", limits=LIMITS, sandbox="auto", ban=BAN)
    with attacker:
        assert attacker.start().ok
        assert attacker.forked, attacker.notes  # forked from the pool's template, not launched
        sibling = pool._spares[("cpu", LIMITS, "auto", BAN)].result(timeout=300)  # forked while A lives
        assert sibling.forked and sibling._proc.poll() is None
        found = attacker.call("attack").value
        assert found["pids"] == ("1",), found              # its /proc: itself only
        assert found["signalable"] == (), found             # nobody to signal, template and keeper included
        assert found["uid"] != 0 and found["host"] == "sandbox"
        assert found["shared"] == (), found["shared"]       # no memory written through to the template
        assert found["address_space"] == LIMITS.memory_mb * 1024 * 1024
        targets = [target for _fd, target in found["fds"]]
        # Its three pipes (requests, replies, output on 1 and 2) and /dev/null: no socket, no template's file.
        assert len({t for t in targets if t.startswith("pipe:")}) == 3, found["fds"]
        assert set(targets) - {"/dev/null"} == {t for t in targets if t.startswith("pipe:")}, found["fds"]
    assert sibling._proc.poll() is None  # alive after A's kill(-1, SIGKILL)
    second = pool.claim(SIBLING_LOOKS, device="cpu", limits=LIMITS, sandbox="auto", ban=BAN)
    assert second is sibling
    with second:
        assert second.start().ok
        seen = second.call("look").value
    # Its own /tmp: empty but for the mount points of what Python needs when it lives under /tmp
    # (a checkout there: its virtualenv's read-only bind, moved into the private /tmp).
    skeleton = tuple(sorted({Path(p).parts[2] for p in (sys.prefix, sys.base_prefix) if Path(p).parts[1:2] == ("tmp",)}))
    assert seen == {"tmp": skeleton, "shm": (), "uid": seen["uid"]} and seen["uid"] not in (0, found["uid"]), seen
    assert pool._templates["cpu"].alive()


def test_where_a_template_cannot_isolate_each_worker_is_launched_apart(monkeypatch):
    from autograder.sandbox import zygote

    assert "rlimits" in zygote.template_problem("rlimits", "cpu")
    assert "CUDA" in zygote.template_problem("auto", "cuda")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "root" in zygote.template_problem("auto", "cpu")
    monkeypatch.undo()
    monkeypatch.setenv(zygote.DISABLE_ENV, "0")
    assert zygote.DISABLE_ENV in zygote.template_problem("auto", "cpu")
    pool = WorkerPool()
    try:
        worker = pool.claim(LOOKS, device="cpu", limits=LIMITS, sandbox="auto", ban=())
        with worker:
            assert worker.start().ok and not worker.forked
        assert "cpu" in pool.template_problems and not pool._templates
    finally:
        pool.close()
