"""The trusted side's handle on one submission's worker: the seam between sandbox and grading suites.

A :class:`SandboxWorker` starts one worker process per submission (see :mod:`launch` for the
sandbox), has it exec the submission once, then calls into it. Values cross as raw array bytes
(:mod:`protocol`), and come back as fresh numpy arrays, so nothing the student's code does can
change what the grader compares. Example::

    with SandboxWorker(source, limits=Limits(call_timeout=10)) as worker:
        loaded = worker.start()                      # LoadResult(ok=True, defined=['conv2d', ...])
        result = worker.call("conv2d", (x, w), {"stride": (1, 2)})
        result.value                                 # np.ndarray
        "aten.convolution.default" in result.ops     # did it reach torch's own convolution?

A call that runs past ``call_timeout`` kills the worker (:class:`WorkerTimeout`); one that
kills it (:class:`WorkerCrashed`) too. Either way the next call starts a fresh worker and
re-runs the submission, so one part's hang never costs another part its points.

What the worker sends is hostile input: each reply must echo its request's random nonce (a
forged or out-of-step reply is a protocol violation, noted in ``tampering``), is capped in
bytes (``Limits.max_reply_mb``), and so is everything one submission sends
(``Limits.max_replies_mb``): memory here stays bounded whatever the student returns. After the
worker says it is ready, its process is checked from outside (``lockdown``): seccomp filter
mode and no_new_privs, read from /proc. ``ban=("convolution", "pooling")`` has the worker ban
those operator families in torch's dispatcher (autograder/sandbox/lockdown.py); ``probe()``
asks it later whether they are still banned.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import threading
import time
import weakref
from dataclasses import asdict, dataclass, field

from autograder.sandbox import launch, lockdown, protocol, zygote
from autograder.i18n import _, _i, from_untrusted

#: Seconds the worker may take to start (import torch, warm up) before the first request.
STARTUP_SECONDS = 120.0
MIB = 1024 * 1024
#: Seconds the worker may take to answer a probe (at least; call_timeout when that is longer).
PROBE_SECONDS = 15.0


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 6144          # address space (RLIMIT_AS) on CPU; on CUDA an RSS watchdog instead
    cpu_seconds: int = 900         # RLIMIT_CPU for the whole worker
    max_processes: int = 64        # RLIMIT_NPROC (per uid: meaningful once we drop to an unprivileged uid)
    max_file_mb: int = 16          # RLIMIT_FSIZE
    max_output_kb: int = 256       # stdout/stderr captured and capped
    call_timeout: float = 120.0    # wall clock per call; on expiry the whole process group is killed
    max_reply_mb: int = 256        # bytes accepted in one reply (ResNet-18's float64 gradients: ~90 MiB)
    max_replies_mb: int = 4096     # bytes accepted from one submission's workers in all


class StudentError(Exception):
    """The student's code raised: ``.exc_type`` ("ValueError"), ``.message``, ``.traceback_tail``."""

    def __init__(self, exc_type: str, message: str, traceback_tail: str = "", refused: tuple = ()):
        super().__init__(f"{exc_type}: {message}")
        self.exc_type, self.message, self.traceback_tail = exc_type, message, traceback_tail
        self.refused = refused  # banned operators the call reached


class WorkerTimeout(Exception):
    """A call ran past its timeout; the worker was killed (the next call starts a fresh one)."""


class WorkerCrashed(Exception):
    """The worker died (exit, signal, memory limit) or broke the protocol: ``.reason``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class DeviceUnavailable(RuntimeError):
    """The requested device does not exist here (``device="cuda"`` without CUDA)."""


@dataclass
class CallResult:
    value: object                  # np.ndarray for tensors, int/float/bool/str/None, tuple, dict, Handle
    info: dict                     # e.g. {"type": "torch.Tensor", "device": "cpu", "dtype": "torch.float64"}
    ops: frozenset                 # aten ops dispatched during the call, e.g. {"aten.convolution.default"}
    grads: dict                    # {arg_index: np.ndarray} and {"param:<name>": np.ndarray}
    seconds: float                 # time spent in the student's code (measured in the worker)
    refused: tuple = ()            # banned operators the call reached (the worker refused them)


@dataclass(frozen=True)
class Handle:
    """A live object (e.g. an nn.Module instance) inside the worker."""

    id: int
    type_name: str
    generation: int = field(default=0, compare=True, repr=False)  # which worker process it lives in


@dataclass
class LoadResult:
    ok: bool
    error: str | None              # last line of the error, e.g. "SyntaxError: invalid syntax (línea 12)"
    traceback: str                 # the student's frames only, capped
    defined: list[str]             # top-level names the submission defined


@dataclass(frozen=True, eq=False)
class Kept:
    """An argument the worker may keep: ``value`` (a contiguous tensor or array) under ``key``, a
    name for exactly these values (a digest of them). The first request that carries it sends the
    values and the worker keeps them (protocol.KeptArray); later ones send the key alone. Beyond
    :data:`protocol.MAX_KEPT_BYTES` in one worker it travels as a plain array."""

    value: object
    key: str


def dtype(name: str) -> protocol.DType:
    """A torch dtype as an argument: ``dtype("float64")`` (or ``"torch.float64"``)."""
    return protocol.DType(name)


class _OutputCapture(threading.Thread):
    """Drains the worker's stdout+stderr, keeping only the first ``limit`` bytes."""

    def __init__(self, stream, limit: int, sink: bytearray, counter: list):
        super().__init__(daemon=True, name="worker-output")
        self.stream, self.limit, self.sink, self.counter = stream, limit, sink, counter

    def run(self):
        while chunk := self.stream.read1(65536):
            room = max(0, self.limit - len(self.sink))
            self.sink += chunk[:room]
            self.counter[0] += len(chunk) - min(room, len(chunk))
        self.stream.close()


def _terminate(proc, fds: list[int], uid: int | None, kind: str, scratch: str | None) -> None:
    """Kill the worker's whole process group (and, without bwrap, everything its uid still runs);
    a forked worker: pid 1 of its own pid namespace, so every process in it dies with it."""
    if isinstance(proc, zygote.ForkedProcess):
        proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        proc.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    elif not launch.kill_group(proc):  # the worker leads its own session/group
        proc.kill()
    if kind == "rlimits" and uid is not None:
        launch.kill_uid(uid)  # processes that escaped the group with setsid
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)


class SandboxWorker:
    """One worker process per submission, reused across calls. Context manager."""

    def __init__(self, source: str, *, device: str = "cpu", limits: Limits = Limits(), sandbox: str = "auto",
                 ban: tuple[str, ...] = (), template: "zygote.Template | None" = None):
        if device not in ("cpu", "cuda"):
            raise ValueError(_("unknown device: {device!r} (use cpu or cuda)", device=device))
        if device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise DeviceUnavailable(_("CUDA is not available on this machine"))
        self.source, self.device, self.limits, self.sandbox = source, device, limits, sandbox
        self.sandbox_kind: str = ""
        self.notes: list[str] = []
        self.uid: int | None = None           # the worker's private unprivileged uid, when we dropped to one
        self.load_result: LoadResult | None = None
        self._proc: subprocess.Popen | None = None
        self._finalizer = None
        self._generation = 0
        self._output = bytearray()
        self._dropped = [0]
        self.ban = tuple(ban)
        self.lockdown: dict = {}              # what was verified of the worker's lockdown (see _verify_lockdown)
        self.tampering: list[str] = []        # integrity checks that failed (forged replies, lost seccomp)
        self.received_bytes = 0               # bytes accepted from this submission's workers so far
        self._worker_pid: int | None = None
        self._prestarted = False              # spawned and locked down, no request sent yet (prestart)
        self._requests = 0                    # requests sent to the current process
        self.template = template              # fork workers from it (zygote.py) instead of launching them
        self.forked = False                   # the current process was forked from the template
        self._kept: dict[str, int] = {}       # key -> bytes of the arrays the current process keeps (Kept)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> LoadResult:
        """Spawn the worker and exec the submission once in a fresh module namespace.

        The submission's own failures (syntax error, exception, hang or exit at import) come
        back in the LoadResult. Raises WorkerCrashed when the worker itself cannot start (a
        broken grading machine, not the student's fault) and RuntimeError when
        ``sandbox="bubblewrap"`` was asked for and bubblewrap does not run here.
        """
        if not self._take_prestarted():
            self._kill()
            self._spawn()
        try:
            reply = self._exchange({"op": "load", "source": self.source}, self.limits.call_timeout)
        except WorkerTimeout:
            result = LoadResult(False, _("loading your code went past {seconds:g} s", seconds=self.limits.call_timeout),
                                "", [])
        except WorkerCrashed as crash:
            result = LoadResult(False, crash.reason, "", [])
        else:
            defined = reply.get("defined", ())
            # The worker's own messages come as a catalog id and plain fields (never a template).
            error = reply.get("error")
            error = localized(from_untrusted(error, reply.get("error_params"))) if isinstance(error, str) else None
            result = LoadResult(reply.get("loaded") is True, error, _text(reply.get("traceback")) or "",
                                [str(name) for name in defined] if isinstance(defined, tuple) else [])
        self.load_result = result
        return result

    def prestart(self) -> None:
        """Spawn the worker and let it lock down (limits, ban, seccomp, audit hook), sending no
        student code: the next :meth:`start` sends the source to this process instead of spawning
        one (see :mod:`autograder.sandbox.pool`). Raises WorkerCrashed when it cannot start."""
        self._kill()
        self._spawn()
        self._prestarted = True

    def _take_prestarted(self) -> bool:
        """True when a pre-started process that never received a request is still alive: it
        becomes this submission's worker (once: a restart after a crash spawns a new one)."""
        prestarted, self._prestarted = self._prestarted, False
        return prestarted and self._proc is not None and self._proc.poll() is None and not self._requests

    def close(self) -> None:
        self._kill()

    def __enter__(self) -> "SandboxWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def output(self) -> str:
        """What the student's code printed (stdout and stderr), capped at ``max_output_kb``."""
        text = self._output.decode("utf-8", errors="replace")
        if self._dropped[0]:
            text += _("\n[output cut: {count} bytes left out]", count=self._dropped[0])
        return text

    def _spawn(self) -> None:
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        protocol.widen_pipe(to_worker_w)
        protocol.widen_pipe(from_worker_w)
        config = {"device": self.device, "limits": asdict(self.limits), "ban": list(self.ban)}
        self.notes = []
        proc = plan = None
        if self.template is not None and self.template.alive() and self.device == "cpu" and self.sandbox != "rlimits":
            output_r, output_w = os.pipe()
            uid = launch.next_uid()
            try:
                proc = self.template.fork(to_worker_r, from_worker_w, output_w, config, uid)
            except (zygote.TemplateFailed, OSError) as exc:  # launched as without a template
                os.close(output_r)
                self.notes.append(_i("template not available ({error}): worker launched apart", error=str(exc)[:200]))
            else:
                stdout = os.fdopen(output_r, "rb")
                self.sandbox_kind, self.uid, self.forked = "bubblewrap", uid, True
            finally:
                os.close(output_w)
        if proc is None:
            plan = launch.plan_launch(self.sandbox, self.device, in_fd=to_worker_r, out_fd=from_worker_w,
                                      config=json.dumps(config))
            self.sandbox_kind, self.uid, self.forked = plan.kind, plan.uid, False
            self.notes += plan.notes
        if self.device == "cuda":
            self.notes.append(_("CUDA: no address-space limit; the resident memory is watched inside the isolated process"))
        try:
            if proc is None:
                proc = subprocess.Popen(plan.argv, env=plan.env, cwd=plan.cwd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        pass_fds=(to_worker_r, from_worker_w), start_new_session=True)
                stdout = proc.stdout
        finally:
            os.close(to_worker_r)
            os.close(from_worker_w)
        _OutputCapture(stdout, self.limits.max_output_kb * 1024, self._output, self._dropped).start()
        for fd in (to_worker_w, from_worker_r):
            os.set_blocking(fd, False)  # deadlines: never block on a worker that stopped reading
        self._proc, self._send_fd, self._recv_fd = proc, to_worker_w, from_worker_r
        self._requests = 0
        self._kept = {}
        self._generation += 1
        self._finalizer = weakref.finalize(self, _terminate, proc, [to_worker_w, from_worker_r], self.uid,
                                           self.sandbox_kind, plan.scratch if plan is not None else None)
        try:
            ready = self._receive(time.monotonic() + STARTUP_SECONDS, expect_ready=True)
        except WorkerTimeout:
            self._kill()
            raise WorkerCrashed(_("the isolated process did not start within {seconds:g} s", seconds=STARTUP_SECONDS)) from None
        self._verify_lockdown(proc, ready)

    def _verify_lockdown(self, proc: subprocess.Popen, ready: dict) -> None:
        """Read the worker's seccomp state from outside; no student code has run yet."""
        pid = proc.pid if self.forked else _find_worker_pid(proc.pid)
        status = lockdown.process_status(pid) if pid is not None else {}
        banned = ready.get("banned")
        self._worker_pid = pid
        self.lockdown = {"seccomp": status.get("Seccomp") == "2", "no_new_privs": status.get("NoNewPrivs") == "1",
                         "banned_overloads": banned if type(banned) is int else 0}
        if self.forked:  # checked from outside too: its own uid, no capabilities, its own pid namespace
            isolation = _forked_isolation(pid, self.uid)
            if isolation:
                self._kill()
                raise WorkerCrashed(_i("the forked worker was not isolated: {problems}", problems=isolation))
        if not (self.lockdown["seccomp"] and self.lockdown["no_new_privs"]):
            self.notes.append(_("the seccomp filter of the isolated process could not be checked (pid {pid}: {status})", pid=pid,
                                     status=status or _("no data")))
        if self.ban and not self.lockdown["banned_overloads"]:
            self._kill()
            raise WorkerCrashed(_("the isolated process did not install the ban on operations"))

    def probe(self) -> dict | None:
        """Ask the worker whether torch's own ops are still banned, and re-check its seccomp state.

        ``{"computed": [...], "new_ops": [...], "problems": [text, ...]}``; None when no worker
        runs (nothing to check) or the worker could not answer (the caller's call failed already).
        """
        if self._proc is None or self._proc.poll() is not None:
            return None
        try:  # four tiny calls; a tight call_timeout must not make a slow machine look like a hang
            reply = self._exchange({"op": "probe"}, max(self.limits.call_timeout, PROBE_SECONDS))
        except (StudentError, WorkerTimeout, WorkerCrashed):
            return None
        value = reply.get("value")
        if not isinstance(value, dict):
            return {"computed": [], "new_ops": [], "problems": [_("probe reply with an unexpected shape")]}
        computed = [str(v) for v in value.get("computed", ()) if isinstance(v, str)]
        new_ops = [str(v) for v in value.get("new_ops", ()) if isinstance(v, str)]
        problems = []
        if computed:
            problems.append(_("torch's implementation computed again after the ban: {ops}", ops=", ".join(computed)))
        if new_ops:
            problems.append(_("new convolution or pooling operations registered: {ops}", ops=", ".join(new_ops[:5])))
        if self._worker_pid is not None and self.lockdown.get("seccomp"):
            status = lockdown.process_status(self._worker_pid)
            if status.get("Seccomp") != "2" and self._proc.poll() is None:
                problems.append(_("the isolated process lost its seccomp filter ({status})", status=status or _("gone")))
        self.tampering += problems
        return {"computed": computed, "new_ops": new_ops, "problems": problems}

    def _kill(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = None
        self._proc = None

    def _ensure_running(self) -> None:
        if self._proc is not None:
            return
        # First call without start(), or a restart after a timeout/crash: (re-)run the submission.
        loaded = self.start()
        if not loaded.ok:
            raise WorkerCrashed(_("the submission could not be loaded: {error}", error=loaded.error))

    # -- calls -----------------------------------------------------------------------------------
    def call(self, name: str, args: tuple = (), kwargs: dict | None = None, *,
             grad_output=None, grad_wrt: tuple = (), timeout: float | None = None,
             weights_follow: str | None = None) -> CallResult:
        """Call the top-level callable ``name`` (a function, or a class: then value is a Handle).

        ``weights_follow`` ("float64" or "float32"): ``name`` builds a module whose every weight the
        caller loads right after, in that dtype; the worker builds it in that dtype and skips the
        random initialisation nothing would read.
        """
        request = {"op": "call", "name": name}
        if weights_follow is not None:
            request["weights_follow"] = weights_follow
        return self._call(request, args, kwargs, grad_output, grad_wrt, timeout)

    def method(self, handle: Handle, method: str, args: tuple = (), kwargs: dict | None = None, *,
               grad_output=None, grad_wrt: tuple = (), timeout: float | None = None) -> CallResult:
        """Call ``handle.<method>(...)``; ``grad_wrt`` may include ``"params"`` for parameter grads."""
        self._check_handle(handle)
        return self._call({"op": "method", "handle": handle, "method": method},
                          args, kwargs, grad_output, grad_wrt, timeout)

    def describe(self, handle: Handle) -> dict:
        """``{"type", "parameters": {name: shape}, "buffers": {name: shape}, "modules": {name: type}}``."""
        self._check_handle(handle)
        reply = self._exchange({"op": "describe", "handle": handle}, self.limits.call_timeout)
        value = reply.get("value")
        if not isinstance(value, dict) or set(value) != {"type", "parameters", "buffers", "modules"}:
            self._kill()
            raise WorkerCrashed(_("describe reply with an unexpected shape"))
        return value

    def _check_handle(self, handle: Handle) -> None:
        if not isinstance(handle, Handle):
            raise TypeError(_("a Handle was expected, not {type}", type=type(handle).__name__))
        if self._proc is None or handle.generation != self._generation:
            raise WorkerCrashed(_("the object belonged to an isolated process that already ended (it restarted after an error)"))

    def _call(self, request: dict, args, kwargs, grad_output, grad_wrt, timeout) -> CallResult:
        request.update(args=tuple(args), kwargs=dict(kwargs or {}), grad_output=grad_output, grad_wrt=tuple(grad_wrt))
        reply = self._exchange(request, timeout if timeout is not None else self.limits.call_timeout)
        ops, info, grads, seconds = reply.get("ops"), reply.get("info"), reply.get("grads"), reply.get("seconds")
        if (not isinstance(ops, tuple) or not all(isinstance(op, str) for op in ops) or not isinstance(info, dict)
                or not isinstance(grads, dict) or not isinstance(seconds, float)):
            self._kill()
            raise WorkerCrashed(_("call reply with an unexpected shape"))
        return CallResult(reply.get("value"), info, frozenset(ops), grads, seconds, reply["refused"])

    # -- the wire --------------------------------------------------------------------------------
    def _exchange(self, request: dict, timeout: float) -> dict:
        """Send one request, wait for its reply; StudentError, WorkerTimeout or WorkerCrashed."""
        if request["op"] != "load":
            self._ensure_running()
        deadline = time.monotonic() + timeout
        op = request.pop("op")
        sending: dict[str, int] = {}
        try:
            header, buffers = protocol.pack(request, array_hook=lambda value: self._wire(value, sending))
        except (TypeError, ValueError) as exc:
            raise TypeError(_("an argument that cannot be sent to the isolated process: {error}", error=wire_text(exc))) from None
        nonce = secrets.randbits(62)
        self._requests += 1
        header["op"], header["nonce"] = op, nonce
        try:
            protocol.write_message(self._send_fd, header, buffers, deadline)
        except protocol.PeerClosed:
            raise self._crashed(_("the process that runs your code closed the connection")) from None
        except protocol.Timeout:
            self._kill()
            raise WorkerTimeout(_("the process that runs your code did not take the request within {seconds:g} s", seconds=timeout)) from None
        reply = self._receive(deadline)
        if reply.get("nonce") != nonce:
            self.tampering.append(_("reply to '{op}' with a nonce that is not the request's (forged or out of step)", op=op))
            self._kill()
            raise WorkerCrashed(_("protocol violation: forged or out-of-step reply (different nonce)"))
        self._kept.update(sending)  # any reply comes after the request was decoded: the worker keeps them
        refused = reply.get("refused", ())
        reply["refused"] = tuple(str(op)[:80] for op in refused[:20] if isinstance(op, str)) \
            if isinstance(refused, tuple) else ()
        if reply.get("ok") is True:
            return reply
        error = reply.get("error")
        if reply.get("ok") is False and isinstance(error, dict):
            raise StudentError(_text(error.get("type")) or "Exception", error_text(error),
                               _text(error.get("traceback")) or "", reply["refused"])
        self._kill()
        raise WorkerCrashed(_("reply of the isolated process without a valid 'ok'"))

    def _receive(self, deadline: float, expect_ready: bool = False) -> dict:
        cap = min(self.limits.max_reply_mb * MIB, self.limits.max_replies_mb * MIB - self.received_bytes)
        try:
            proc = self._proc
            header, buffers = protocol.read_message(self._recv_fd, deadline, max_total=max(cap, 0),
                                                    alive=lambda: proc.poll() is None)
            self.received_bytes += sum(len(b) for b in buffers)
            reply = {key: protocol.unpack(node, buffers) for key, node in header.items()}
        except protocol.Timeout:
            self._kill()
            raise WorkerTimeout(_("the call went past the time limit; the process that runs your code was stopped")) from None
        except protocol.PeerClosed:
            raise self._crashed(_("the process that runs your code ended")) from None
        except protocol.ProtocolError as exc:
            self._kill()
            raise WorkerCrashed(_("protocol violation: {error}", error=wire_text(exc))) from None
        if expect_ready and reply.get("ready") is not True:
            self._kill()
            raise WorkerCrashed(_("the isolated process did not announce itself ready"))
        return _adopt_handles(reply, self._generation)

    def _wire(self, value, sending: dict[str, int]):
        """:func:`_to_wire`, and a :class:`Kept` as its key when the worker holds it already."""
        if not isinstance(value, Kept):
            return _to_wire(value)
        if value.key in self._kept or value.key in sending:
            return protocol.KeptRef(value.key)
        array = _to_wire(value.value)
        if not isinstance(array, protocol.np.ndarray):
            return array  # a view with its own layout: sent as it is, not kept
        if sum(self._kept.values()) + sum(sending.values()) + array.nbytes > protocol.MAX_KEPT_BYTES:
            return array
        sending[value.key] = array.nbytes
        return protocol.KeptArray(array, value.key)

    def _crashed(self, what: str) -> WorkerCrashed:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        return WorkerCrashed(f"{what} ({_describe_exit(code)})")


def _find_worker_pid(root: int) -> int | None:
    """The worker's own process: ``root`` itself, or (under bubblewrap) its descendant running worker.py."""
    frontier, seen = [root], set()
    while frontier:
        pid = frontier.pop(0)
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if len(argv) > 2 and argv[1] == b"-I" and argv[2].endswith(b"worker.py"):  # python -I worker.py ...
            return pid
        frontier += _children(pid)
    return None


def _forked_isolation(pid: int, uid: int | None) -> str:
    """What a forked worker lacks of its isolation, read from /proc as the trusted side sees it
    ("" when nothing): every uid and gid its own, no capability, pid 1 of a pid namespace."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, _colon, value = line.partition(":")
                fields[key] = value.split()
    except OSError as exc:
        return _i("no /proc/{pid}/status ({error})", pid=pid, error=exc.strerror)
    problems = []
    if fields.get("Uid") != [str(uid)] * 4 or fields.get("Gid") != [str(uid)] * 4:
        problems.append(f"uid {fields.get('Uid')} gid {fields.get('Gid')}")
    if any(fields.get(cap) != ["0" * 16] for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb")):
        problems.append(_i("capabilities"))
    namespaced = fields.get("NSpid", [])
    if len(namespaced) < 2 or namespaced[-1] != "1":
        problems.append(f"NSpid {namespaced}")
    return ", ".join(problems)


def _children(pid: int) -> list[int]:
    try:
        found = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
        return found
    except OSError:
        pass
    found = []  # kernels without /proc/<pid>/task/<tid>/children: scan every process's parent
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def _describe_exit(code: int | None) -> str:
    if code is None:
        return _("no exit code")
    if code < 0 or code > 128:
        number = -code if code < 0 else code - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = _("signal {number}", number=number)
        hint = _("; memory or CPU limit?") if name in ("SIGKILL", "SIGXCPU", "SIGSEGV", "SIGABRT") else ""
        return _("ended by {name}{hint}", name=name, hint=hint)
    return _("exit code {code}", code=code)


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _sentence_pattern(template: str) -> re.Pattern:
    """A regex for ``template`` (a lockdown sentence) written out: each field a named group."""
    pattern, fields = "", [name for _literal, name, _spec, _conv in string.Formatter().parse(template) if name]
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        pattern += re.escape(literal)
        if name:
            pattern += rf"(?P<{name}>[^\n]{{0,200}}?)" if name != fields[-1] or not template.endswith("}") \
                else rf"(?P<{name}>[^\n]{{0,200}})"
    return re.compile(pattern)


_LOCKDOWN_SENTENCES = [(marker, template, re.compile(re.escape(marker + " ") + _sentence_pattern(template).pattern))
                       for marker, template in ((lockdown.BAN_MARKER, lockdown.BAN_TEXT),
                                                *((lockdown.REFUSED_MARKER, t) for t in lockdown.REFUSED_TEXTS))]
#: Only this much of a worker's text is searched for them: the rest is shown as it came (a
#: student's message can be megabytes; the search must stay cheap for the trusted side).
LOCALIZED_CHARS = 20_000


def wire_text(error: BaseException) -> str:
    """A protocol error (autograder/sandbox/protocol.py: a catalog id and plain fields) in the
    course's language; any other error as its own text, never used as a template."""
    message_id = getattr(error, "message_id", None)
    if isinstance(message_id, str) and message_id:
        return from_untrusted(message_id, getattr(error, "params", None))
    return str(error)


def error_text(error: dict) -> str:
    """The message of a worker's error reply (``{"message": id, "params": {...}, "detail": {...}}``,
    all student-controlled) in the course's language: ids of the catalog only, fields as text. A
    ``detail`` (a protocol error inside the worker, autograder/sandbox/protocol.py) fills ``{error}``."""
    message, params, detail = error.get("message"), error.get("params"), error.get("detail")
    if not isinstance(message, str):
        return ""
    if isinstance(params, dict) and isinstance(detail, dict) and isinstance(detail.get("message"), str):
        params = dict(params, error=from_untrusted(detail["message"], detail.get("params")))
    return localized(from_untrusted(message, params))


def localized(text: str) -> str:
    """``text`` (from the worker) with the lockdown's English sentences (after their markers) in
    the course's language: each template comes from the catalog, the worker only supplies its
    fields, inserted as text."""
    head, tail = text[:LOCALIZED_CHARS], text[LOCALIZED_CHARS:]
    for marker, template, pattern in _LOCKDOWN_SENTENCES:
        if marker in head:
            head = pattern.sub(lambda match, m=marker, t=template: f"{m} " + _(t, **match.groupdict()), head)
    return head + tail


def _to_wire(value):
    """Packer hook for the trusted side: tensors -> numpy, handles -> raw handles, dtypes."""
    if isinstance(value, Handle):
        return protocol.RawHandle(value.id, value.type_name)
    if type(value).__module__.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            tensor = value.detach().to("cpu")
            if tensor.is_contiguous() or tensor.numel() == 0:
                return tensor.contiguous().numpy()
            # A non-contiguous tensor (transposed, sliced, channels-last) keeps its layout: the flat
            # storage it spans, and the strides the worker rebuilds it with (protocol.StridedArray).
            span = 1 + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride()))
            base = torch.as_strided(tensor, (span,), (1,), tensor.storage_offset()).clone().numpy()
            return protocol.StridedArray(base, tuple(tensor.shape), tuple(tensor.stride()), 0)
        if isinstance(value, torch.dtype):
            return protocol.DType(str(value))
    return value


def _adopt_handles(value, generation: int):
    """Raw handles from the worker become client Handles tied to this worker process."""
    if isinstance(value, protocol.RawHandle):
        return Handle(value.id, value.type_name, generation)
    if isinstance(value, tuple):
        return tuple(_adopt_handles(v, generation) for v in value)
    if isinstance(value, dict):
        return {k: _adopt_handles(v, generation) for k, v in value.items()}
    return value
