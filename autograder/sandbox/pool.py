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
the pool pre-starts nothing. Where it can, the pool forks its workers from one warm template
(autograder/sandbox/zygote.py) instead of launching each: the same isolation, plus namespaces of
the worker's own made by the fork, at a fraction of the start-up's CPU. Example::

    pool = WorkerPool()
    worker = pool.claim(source, device="cpu", limits=Limits(), sandbox="auto", ban=("convolution",))
    loaded = worker.start()          # sends the source to the pre-started process
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

from autograder.sandbox import launch, zygote
from autograder.sandbox.client import STARTUP_SECONDS, Limits, SandboxWorker, WorkerCrashed


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
        self._closed = False
        self._templates: dict[str, zygote.Template] = {}   # by device; made and used on the spawning thread
        self.template_problems: dict[str, str] = {}        # why a device's workers are launched apart
        # bubblewrap's --die-with-parent (PR_SET_PDEATHSIG) kills the worker when the *thread*
        # that spawned it ends: the spawning thread lives as long as the process.
        threading.Thread(target=self._spawn_forever, name="worker-prestart", daemon=True).start()

    def claim(self, source: str, *, device: str, limits: Limits, sandbox: str, ban: tuple = ()) -> SandboxWorker:
        """A worker for ``source`` (not started: call ``start()``), pre-started when possible."""
        kind = (device, limits, sandbox, tuple(ban))
        if self._closed or not isolated(sandbox, device):
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
            self._closed = True
            for kind in list(self._spares):
                _discard(self._spares.pop(kind))
        self._queue.put((None, None))  # the spawning thread stops the templates and ends

    def _request(self, kind: tuple) -> Future:
        future: Future = Future()
        self._queue.put((kind, future))
        return future

    def _template(self, sandbox: str, device: str) -> zygote.Template | None:
        """The template workers of this kind are forked from; None where they are launched apart."""
        if device in self.template_problems:
            return None
        template = self._templates.get(device)
        if template is not None and template.alive():
            return template
        problem = zygote.template_problem(sandbox, device)
        if problem is None:
            try:
                template = self._templates[device] = zygote.Template(device)
                return template
            except zygote.TemplateFailed as exc:
                problem = str(exc)
        self.template_problems[device] = problem
        return None

    def _drop_template(self, device: str, why: str) -> None:
        template = self._templates.pop(device, None)
        if template is not None:
            template.close()
        self.template_problems[device] = why

    def _spawn_forever(self) -> None:
        while True:
            kind, future = self._queue.get()
            if kind is None:
                for device in list(self._templates):
                    self._drop_template(device, "pool closed")
                return
            device, limits, sandbox, ban = kind
            if future.cancelled():
                continue
            template = self._template(sandbox, device) if sandbox != "rlimits" else None
            worker = SandboxWorker(None, device=device, limits=limits, sandbox=sandbox, ban=ban, template=template)
            try:
                worker.prestart()
                if template is not None and not worker.forked:  # the template failed to fork: not again
                    self._drop_template(device, "; ".join(worker.notes))
            except BaseException as exc:  # noqa: BLE001 - handed to the claimer, which starts its own
                worker.close()
                if template is not None and worker.forked and isinstance(exc, WorkerCrashed):
                    # A forked worker that does not come up locked down: workers are launched apart from now on.
                    self._drop_template(device, f"a forked worker failed: {exc}")
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
