"""Workers ready before they are needed: the next submission's worker starts while this one is graded.

A grading service (autograder/grading/service.py) grades submission after submission; each one
needs a fresh sandboxed worker, and most of a worker's start is importing torch. The pool keeps
one *pre-started* worker per kind (device, limits, sandbox, banned families): spawned, torch
imported, limits applied and locked down (the assignment's ban in torch's dispatcher, seccomp,
the audit hook), but sent no request yet, so no student code has ever run in it. Claiming it
hands it to one submission (:meth:`WorkerPool.claim`) and starts the next one at once.

Isolation is the worker's own (autograder/sandbox/launch.py): each pre-started worker is a new
process with its own bubblewrap namespaces (pid, mount, net, ipc), its own private /tmp and its
own unprivileged uid; it is used for exactly one submission and never returns to the pool (a
restart after a crash spawns a new process, as without the pool). The ban is part of the kind,
so it is in place before the source is sent. Where that isolation is missing (rlimits without a
uid of its own: one student's code could reach another process of the same uid through /proc),
the pool pre-starts nothing. Example::

    pool = WorkerPool()
    worker = pool.claim(source, device="cpu", limits=Limits(), sandbox="auto", ban=("convolution",))
    loaded = worker.start()          # sends the source to the pre-started process
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from autograder.sandbox import launch
from autograder.sandbox.client import STARTUP_SECONDS, Limits, SandboxWorker


def isolated(sandbox: str, device: str) -> bool:
    """Would a worker started here be isolated from other workers (bubblewrap, or its own uid)?"""
    if sandbox != "rlimits" and launch.bubblewrap_problem(device) is None:
        return True
    return sandbox != "bubblewrap" and launch.privilege_drop_problem() is None


class WorkerPool:
    """One pre-started worker per kind; every spawn happens on one long-lived thread (see below)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._spares: dict[tuple, Future] = {}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        # bubblewrap's --die-with-parent (PR_SET_PDEATHSIG) kills the worker when the *thread*
        # that spawned it ends: the spawning thread lives as long as the process.
        threading.Thread(target=self._spawn_forever, name="worker-prestart", daemon=True).start()

    def claim(self, source: str, *, device: str, limits: Limits, sandbox: str, ban: tuple = ()) -> SandboxWorker:
        """A worker for ``source`` (not started: call ``start()``), pre-started when possible."""
        kind = (device, limits, sandbox, tuple(ban))
        if not isolated(sandbox, device):
            return SandboxWorker(source, device=device, limits=limits, sandbox=sandbox, ban=tuple(ban))
        with self._lock:
            future = self._spares.pop(kind, None) or self._request(kind)
            for other in list(self._spares):  # a spare of another kind would only wait: drop it
                _discard(self._spares.pop(other))
            self._spares[kind] = self._request(kind)  # the next submission's, started now
        try:
            worker = future.result(timeout=STARTUP_SECONDS + 30)
        except Exception:  # noqa: BLE001 - a spare that failed to start: start one as without the pool
            worker = SandboxWorker(None, device=device, limits=limits, sandbox=sandbox, ban=tuple(ban))
        worker.source = source
        return worker

    def close(self) -> None:
        with self._lock:
            for kind in list(self._spares):
                _discard(self._spares.pop(kind))

    def _request(self, kind: tuple) -> Future:
        future: Future = Future()
        self._queue.put((kind, future))
        return future

    def _spawn_forever(self) -> None:
        while True:
            (device, limits, sandbox, ban), future = self._queue.get()
            if future.cancelled():
                continue
            worker = SandboxWorker(None, device=device, limits=limits, sandbox=sandbox, ban=ban)
            try:
                worker.prestart()
            except BaseException as exc:  # noqa: BLE001 - handed to the claimer, which starts its own
                worker.close()
                future.set_exception(exc)
                continue
            if not future.set_running_or_notify_cancel():
                worker.close()
                continue
            future.set_result(worker)


def _discard(future: Future) -> None:
    if not future.cancel():
        future.add_done_callback(lambda done: done.exception() is None and done.result().close())


#: The process's pool, once :func:`enable` was called (a grading service); None elsewhere, where a
#: spare would only be killed at exit.
_shared: WorkerPool | None = None


def enable() -> WorkerPool:
    """Pre-start workers in this process from now on (what a grading service does)."""
    global _shared
    if _shared is None:
        _shared = WorkerPool()
    return _shared


def new_worker(source: str, *, device: str, limits: Limits, sandbox: str, ban: tuple = ()) -> SandboxWorker:
    """A worker for ``source``: the pool's pre-started one when :func:`enable` was called."""
    if _shared is not None:
        return _shared.claim(source, device=device, limits=limits, sandbox=sandbox, ban=ban)
    return SandboxWorker(source, device=device, limits=limits, sandbox=sandbox, ban=tuple(ban))
