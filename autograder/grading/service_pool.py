"""The trusted parent's side of the grading services (autograder/grading/service.py).

A :class:`ServicePool` lends each grading thread an idle :class:`GradingService` (a process
started on first use) and takes it back afterwards; ``run`` answers like ``subprocess.run`` of a
one-off session (``returncode``, ``stderr``), or None when the request ran past its timeout.
A service that runs past the timeout is killed with everything it started; one that dies is
replaced; either way the next request gets a new process, so one submission can never make the
next one's grading differ. A service is also replaced after :data:`GRADINGS_PER_SERVICE`
gradings (memory a long run may have fragmented). Example::

    pool = ServicePool(2)
    done = pool.run({"assignment": "convolutions", ...}, timeout=960)
    done.returncode, done.stderr
    pool.close()
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time

from autograder.config import REPO_ROOT
from autograder.grading.api import GraderError, session_env
from autograder.sandbox.launch import kill_group

#: Gradings one service process runs before it is replaced by a new one.
GRADINGS_PER_SERVICE = 100
#: Seconds a service may take to import everything before its first request.
STARTUP_SECONDS = 300
#: Bytes of a service's stderr kept for a failure's message.
STDERR_TAIL = 16 * 1024


class ServiceFailed(GraderError):
    """A service that could not even start (the grading machine's problem, not a submission's)."""


class GradingService:
    """One service process (started lazily) and the pipes to it."""

    def __init__(self):
        self._proc: subprocess.Popen | None = None
        self._replies: int | None = None
        self._stderr = None
        self.gradings = 0

    def run(self, request: dict, timeout: float) -> subprocess.CompletedProcess | None:
        if self._proc is None or self._proc.poll() is not None or self.gradings >= GRADINGS_PER_SERVICE:
            self.stop()
            self._start()
        self.gradings += 1
        offset = self._stderr.seek(0, os.SEEK_END)
        try:
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
            line = self._read_line(time.monotonic() + timeout)
        except OSError:  # the service died before reading the request
            line = b""
        if line is None:  # past the timeout: kill it and everything it started
            self.stop()
            return None
        tail = self._tail(offset)
        reply = json.loads(line) if line else None
        if reply is None or "code" not in reply:
            returncode = self._wait()
            if reply is not None:
                tail = (tail + "\n" + str(reply.get("error", ""))).strip()
                returncode = returncode or 1
            self.stop()
            return subprocess.CompletedProcess([], returncode if returncode is not None else 1, "", tail)
        code = int(reply["code"])
        return subprocess.CompletedProcess([], 0 if code in (0, 1) else code, "", tail)

    def _start(self) -> None:
        reply_r, reply_w = os.pipe()
        self._stderr = tempfile.TemporaryFile(prefix="autograder-service-")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.grading.service", "--reply-fd", str(reply_w)],
                cwd=REPO_ROOT, env=session_env(), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=self._stderr, pass_fds=(reply_w,), start_new_session=True)
        finally:
            os.close(reply_w)
        self._replies = reply_r
        self._buffer = b""
        self.gradings = 0
        ready = self._read_line(time.monotonic() + STARTUP_SECONDS)
        if not ready or json.loads(ready).get("ready") is not True:
            tail = self._tail(0)
            self.stop()
            raise ServiceFailed(f"the grading service did not start: {tail[-500:]}")

    def _read_line(self, deadline: float) -> bytes | None:
        """The next reply line; b"" when the service closed its end; None past the deadline."""
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._replies], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(self._replies, 65536)
            if not chunk:
                return b""
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _tail(self, offset: int) -> str:
        self._stderr.seek(max(offset, self._stderr.seek(0, os.SEEK_END) - STDERR_TAIL))
        return self._stderr.read().decode("utf-8", errors="replace")

    def _wait(self) -> int | None:
        try:
            return self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Stop the process (and its process group: its workers' sandboxes die with it)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            kill_group(proc)
        if self._replies is not None:
            os.close(self._replies)
            self._replies = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


class ServicePool:
    """At most ``size`` services, each lent to one grading thread at a time."""

    def __init__(self, size: int):
        self.size = size
        self._idle: list[GradingService] = []
        self._all: list[GradingService] = []
        self._lock = threading.Lock()

    def run(self, request: dict, timeout: float) -> subprocess.CompletedProcess | None:
        service = self._borrow()
        try:
            return service.run(request, timeout)
        finally:
            with self._lock:
                self._idle.append(service)

    def _borrow(self) -> GradingService:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            service = GradingService()  # more threads than ``size`` still get one each
            self._all.append(service)
            return service

    def close(self) -> None:
        with self._lock:
            for service in self._all:
                service.stop()
            self._all.clear()
            self._idle.clear()
