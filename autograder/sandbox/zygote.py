"""Workers forked from a warm template: torch's import and the ban's registry scan paid once per job.

A :class:`Template` is one process (autograder/sandbox/template.py) started inside the same
bubblewrap root as a worker, that imported torch and never runs student code. :meth:`Template.fork`
hands it the worker's pipes (SCM_RIGHTS over a control socket) and gets back a
:class:`ForkedProcess`: a worker in namespaces of its own (mount, pid, network, IPC, UTS), with
its own uid, /proc, private size-capped /tmp and /dev/shm, rlimits and then the usual lockdown. The
client (autograder/sandbox/client.py) talks to it exactly as to a worker it spawned: the same
pipes, nonces and caps; it kills it by pidfd (pid 1 of its pid namespace: everything it started
dies with it) and learns its exit status from the keeper (template.py).

The template path is used only where it gives those guarantees (:func:`template_problem`):
bubblewrap runs, we are root (the template gives each worker its uid), CPU (CUDA does not
survive fork), pidfd_open exists. Every forked worker is checked from outside before its source
is sent (client.py: uid, capabilities, pid namespace, seccomp); one that fails stops the
template's use (pool.py). Everywhere else a worker is launched per submission as before
(autograder/sandbox/launch.py). Example::

    template = Template()
    worker = SandboxWorker(source, template=template)   # forked instead of spawned
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from autograder.i18n import _i
from autograder.sandbox import launch

#: Seconds the template may take to import torch.
TEMPLATE_STARTUP_SECONDS = 120.0
#: Seconds a fork (template, keeper, worker's first message) may take.
FORK_SECONDS = 30.0
#: ``AUTOGRADER_WORKER_TEMPLATE=0`` turns the template off (each worker launched apart, as before).
DISABLE_ENV = "AUTOGRADER_WORKER_TEMPLATE"
_CREDENTIALS = struct.Struct("=iII")  # struct ucred: pid, uid, gid


class TemplateFailed(RuntimeError):
    """The template could not start or fork (the caller launches a worker of its own instead)."""


def template_problem(sandbox: str, device: str) -> str | None:
    """None when workers can be forked from a template here; otherwise why not. The first worker
    forked is the probe: one that does not come up locked down stops the template's use
    (autograder/sandbox/pool.py)."""
    if os.environ.get(DISABLE_ENV) == "0":
        return f"{DISABLE_ENV}=0: each worker is launched apart"
    if sandbox == "rlimits":
        return "sandbox rlimits: no template (each worker is launched apart)"
    if device != "cpu":
        return "CUDA does not survive fork: each worker is launched apart"
    if os.geteuid() != 0:
        return "not root: no uid of its own per worker, each worker is launched apart"
    if not hasattr(os, "pidfd_open"):
        return "no pidfd_open: each worker is launched apart"
    return launch.bubblewrap_problem(device)


class Template:
    """One template process; :meth:`fork` may be called from any thread."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self._lock = threading.Lock()
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._log = tempfile.TemporaryFile(prefix="autograder-template-")
        argv = (launch.bubblewrap_argv(launch.find_bwrap(), device, None)
                + [sys.executable, "-I", f"{launch.SANDBOX_WORKER_DIR}/template.py", "--control-fd", str(theirs.fileno())])
        try:
            self._proc = subprocess.Popen(argv, env={}, cwd="/", stdin=subprocess.DEVNULL, stdout=self._log,
                                          stderr=subprocess.STDOUT, pass_fds=(theirs.fileno(),), start_new_session=True)
        finally:
            theirs.close()
        reply = self._reply(TEMPLATE_STARTUP_SECONDS)
        if reply.get("ready") is not True or reply.get("threads") != 1:
            self.close()
            raise TemplateFailed(_i("the template did not announce itself ready: {reply}", reply=reply))

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def fork(self, in_fd: int, out_fd: int, output_fd: int, config: dict, uid: int) -> "ForkedProcess":
        """A new worker reading requests from ``in_fd`` and replying on ``out_fd`` (both the
        worker's ends), printing into ``output_fd``; it has not said ready yet."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            request = json.dumps({"config": config, "uid": uid, "tmpfs_bytes": launch.TMPFS_BYTES}).encode()
            with self._lock:
                if not self.alive():
                    raise TemplateFailed(_i("the template ended"))
                try:
                    socket.send_fds(self._control, [request], [in_fd, out_fd, output_fd, theirs.fileno()])
                except OSError as exc:
                    raise TemplateFailed(_i("the template did not accept the request: {error}", error=exc)) from None
                reply = self._reply(FORK_SECONDS)
            if reply.get("forked") is not True:
                raise TemplateFailed(_i("the template did not fork: {error}", error=reply.get("error", reply)))
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        return ForkedProcess(ours, uid)

    def _reply(self, timeout: float) -> dict:
        ready, _, _ = select.select([self._control], [], [], timeout)
        if not ready:
            raise TemplateFailed(_i("the template did not answer within {seconds:g} s{output}", seconds=timeout,
                                    output=self._tail()))
        try:
            message = self._control.recv(65536)
        except OSError as exc:
            raise TemplateFailed(_i("the template closed the connection: {error}{output}", error=exc,
                                    output=self._tail())) from None
        if not message:
            raise TemplateFailed(_i("the template ended{output}", output=self._tail()))
        try:
            reply = json.loads(message)
        except ValueError:
            reply = None
        return reply if isinstance(reply, dict) else {"error": _i("unreadable reply")}

    def _tail(self) -> str:
        try:
            self._log.seek(0)
            text = self._log.read()[-1500:].decode("utf-8", errors="replace").strip()
        except (OSError, ValueError):
            return ""
        return f": {text}" if text else ""

    def close(self) -> None:
        """Stop the template; its pid namespace ends with it, every worker forked from it too."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            launch.kill_group(proc)
        self._control.close()
        self._log.close()


class ForkedProcess:
    """A forked worker as the client sees it: ``pid`` (ours), ``poll()``, ``wait()``, ``kill()``.

    ``pid`` comes from the kernel (SCM_CREDENTIALS of the worker's first message, before any
    student code), and is held as a pidfd before the worker goes on: signals can never reach a
    recycled pid. The exit status comes from the keeper, its parent.
    """

    def __init__(self, status: socket.socket, uid: int):
        self._status, self.uid = status, uid
        self.returncode: int | None = None
        self.pidfd: int | None = None
        self.pid = self._first_message(time.monotonic() + FORK_SECONDS)
        self.pidfd = os.pidfd_open(self.pid)
        status.send(b"ack")  # the worker waited for this: until now its pid could not be reused

    def _first_message(self, deadline: float) -> int:
        while True:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._status], [], [], max(left, 0))
            if not ready:
                self._status.close()
                raise TemplateFailed(_i("the forked worker did not announce itself within {seconds:g} s", seconds=FORK_SECONDS))
            message, ancillary, _flags, _address = self._status.recvmsg(16, socket.CMSG_SPACE(_CREDENTIALS.size))
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and message == b"pid":
                    pid, uid, _gid = _CREDENTIALS.unpack(data[:_CREDENTIALS.size])
                    if pid > 0 and uid == 0:  # still the template's code (root), before the uid drop
                        return pid
            self._status.close()
            raise TemplateFailed(_i("unexpected first message of the forked worker: {message}", message=repr(message[:16])))

    def poll(self) -> int | None:
        if self.returncode is None and self.pidfd is not None:
            ready, _, _ = select.select([self.pidfd], [], [], 0)
            if ready:  # the worker exited: its keeper sends the status right after
                self.returncode = self._exit_status(time.monotonic() + 5)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            ready, _, _ = select.select([self.pidfd], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired("worker", timeout)
            self.poll()
        return self.returncode

    def kill(self) -> None:
        if self.pidfd is not None and self.returncode is None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _exit_status(self, deadline: float) -> int:
        ready, _, _ = select.select([self._status], [], [], max(deadline - time.monotonic(), 0))
        if ready:
            try:
                message = self._status.recv(16)
            except OSError:
                message = b""
            if message.startswith(b"exit") and len(message) == 8:
                return os.waitstatus_to_exitcode(struct.unpack("=i", message[4:])[0])
        return -signal.SIGKILL  # the keeper died with it (its template was stopped)

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        self._status.close()
