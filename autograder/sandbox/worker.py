"""The worker: the only process that runs a student's code. It is untrusted once the code ran.

Started by :mod:`autograder.sandbox.client` (inside bubblewrap when available), it applies its
resource limits, imports torch, execs the submission source once into a fresh module and then
answers requests read from one pipe on another (see :mod:`protocol`); the student's prints go
to stdout/stderr, which the client captures separately, so they can never look like a reply.

Before the submission loads, :mod:`lockdown` bans the assignment's operator families in torch's
dispatcher, installs a seccomp filter and a permanent audit hook.

Requests (header ``"op"``): ``load`` (the source), ``call`` (a top-level name), ``method`` (on a
handle), ``describe`` (a module's parameters/buffers/submodules), ``probe`` (is the ban still in
place?). Each reply echoes the request's ``nonce``. Each call records the aten ops dispatched
while the student's code ran (a second signal; the ban does not depend on it). Run as::

    python -I worker.py --in-fd 5 --out-fd 8 --config '{"device": "cpu", "limits": {...}, "ban": ["pooling"]}'
"""
from __future__ import annotations

import argparse
import json
import linecache
import os
import random
import resource
import sys
import threading
import time
import traceback
import types

if __package__:
    from . import lockdown, protocol
else:  # run as a script inside the sandbox, where only this folder (not the package) is visible
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import lockdown
    import protocol

#: The filename the submission's code is compiled under (it shows in tracebacks).
SUBMISSION_FILE = "entrega.py"
MAX_MESSAGE_CHARS = 2000
MAX_TRACEBACK_CHARS = 4000
#: Where the submission's random numbers start: torch (whose default generator starts from a
#: random seed in every process), Python's random and numpy's global state. The student's own
#: initial weights and dropout masks are then the same in every run, so is every message that
#: shows them (a grade is the same for the same submission and seed).
STUDENT_SEED = 0


# ---------------------------------------------------------------------------------------------
# Process setup: limits before anything else, then torch
# ---------------------------------------------------------------------------------------------


def apply_limits(limits: dict, device: str) -> None:
    """Lower this process's rlimits (children inherit them). On CUDA the address space is left
    alone: the driver maps far more virtual memory than it uses; an RSS watchdog caps it instead."""
    mib = 1024 * 1024
    wanted = {
        resource.RLIMIT_CPU: (limits["cpu_seconds"], limits["cpu_seconds"] + 5),
        resource.RLIMIT_NPROC: (limits["max_processes"],) * 2,
        resource.RLIMIT_FSIZE: (limits["max_file_mb"] * mib,) * 2,
        resource.RLIMIT_CORE: (0, 0),
    }
    if device != "cuda":
        wanted[resource.RLIMIT_AS] = (limits["memory_mb"] * mib,) * 2
    for which, (soft, hard) in wanted.items():
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL when the process (strictly: the thread) that started us ends; exit now if it already
    has. For rlimits workers, which have no bubblewrap --die-with-parent."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, 9, 0, 0, 0)  # SIGKILL
    if os.getppid() != parent_pid:
        os._exit(1)


def start_rss_watchdog(memory_mb: int) -> None:
    """CUDA only: kill this process when its resident memory passes the limit."""
    page = os.sysconf("SC_PAGE_SIZE")

    def watch():
        while True:
            with open("/proc/self/statm") as statm:
                rss = int(statm.read().split()[1]) * page
            if rss > memory_mb * 1024 * 1024:
                os.write(2, b"\n[worker] memoria residente sobre el limite: terminado\n")
                os._exit(137)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True, name="rss-watchdog").start()


def configure_torch(device: str):
    """One thread; on CUDA no TF32 and deterministic kernels. The trusted session calls this too,
    so student and reference compute under the same settings."""
    if device == "cuda":  # cuBLAS reads this when CUDA initialises: before any CUDA call
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch

    torch.set_num_threads(1)
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
        # warn_only: an op with no deterministic CUDA kernel (max-pool backward) must not make a
        # correct answer raise.
        torch.use_deterministic_algorithms(True, warn_only=True)
    return torch


def make_op_recorder(torch):
    """A TorchDispatchMode that only notes each dispatched op (``aten.convolution.default``).

    Every op of the student's code passes through it, so it is kept lean: it stores the op
    object by id (names are made once, at the end), calls the op's C++ handle directly, and is
    installed without the torch.compile guard TorchDispatchMode wraps around subclass
    handlers (nothing compiles in the worker; the guard doubled the cost per op).
    """
    from torch.utils._python_dispatch import TorchDispatchMode

    class OpRecorder(TorchDispatchMode):
        def __init__(self, seen: dict | None = None):
            super().__init__()
            # id(op) -> op: OpOverload's own __hash__ is Python, id() is not. Threads share one.
            self.seen: dict = {} if seen is None else seen

        @property
        def ops(self) -> set[str]:
            return {str(op) for op in self.seen.values()}

    def record_and_run(self, func, types, args=(), kwargs=None):
        self.seen[id(func)] = func
        return func._op(*args, **kwargs) if kwargs else func._op(*args)

    OpRecorder.__torch_dispatch__ = record_and_run  # assigned after class creation: no guard

    # Warm-up: the first use imports and caches dispatch machinery; don't bill it to the student.
    with OpRecorder():
        (torch.ones(2, 2, dtype=torch.float64) @ torch.ones(2, 2, dtype=torch.float64)).sum()
    return OpRecorder


def record_ops_in_new_threads(recorder_class, seen: dict) -> None:
    """Make every thread the submission starts run under a recorder writing into ``seen``.

    A dispatch mode is per thread, so ``F.conv2d`` called from a helper thread (or a pool made
    at import) would otherwise go unseen. Both names Python starts threads through are wrapped;
    code that digs the original out (importlib.reload, ctypes) is what the static scan flags.
    """
    import _thread
    import threading

    original = _thread.start_new_thread

    def start_new_thread(function, args, kwargs=None):
        def recorded(*a, **k):
            with recorder_class(seen):
                return function(*a, **k)

        return original(recorded, args, kwargs or {})

    _thread.start_new_thread = start_new_thread
    threading._start_new_thread = start_new_thread


# ---------------------------------------------------------------------------------------------
# The session: the student's namespace and the live objects handed out as handles
# ---------------------------------------------------------------------------------------------


def N_(message: str) -> str:
    """Marks a message id of the student catalog (autograder/i18n.py): this file runs alone in the
    sandbox, so its messages travel as an id and plain fields, translated on the trusted side."""
    return message


class StudentFailure(Exception):
    """Raised on the worker's side to report a student's exception to the client: ``message`` is a
    catalog id, ``params`` its fields."""

    def __init__(self, exc_type: str, message: str, tb: str = "", params: dict | None = None):
        super().__init__(message)
        self.exc_type, self.message, self.tb, self.params = exc_type, message, tb, dict(params or {})


class Session:
    def __init__(self, torch, recorder_class, device: str):
        self.torch = torch
        self.recorder_class = recorder_class
        self.device = device
        self.namespace: dict = {}
        self.objects: dict[int, object] = {}
        self.handle_of: dict[int, int] = {}  # id(obj) -> handle id; objects stay alive in self.objects
        self.thread_seen: dict = {}          # ops dispatched by the submission's own threads
        record_ops_in_new_threads(recorder_class, self.thread_seen)
        self.families: tuple = ()            # the operator families banned (lockdown.install_ban)
        self.banned: tuple = ()
        self.known_ops = 0
        #: Arrays the trusted side sent to keep (protocol.KeptArray), by key: a reference's weights
        #: that several examples load. The student's code may change them; only its own results change.
        self.kept: dict = {}

    def lock_down(self, families, plan=None) -> None:
        """Ban ``families`` in the dispatcher, then seccomp and the audit hook: before any student code.
        ``plan``: :func:`lockdown.ban_plan` of these families, computed earlier (by a template)."""
        torch = self.torch
        self.families = tuple(families)
        self.banned = tuple(lockdown.install_ban(torch, self.families, plan))
        self.known_ops = len(torch._C._dispatch_get_all_op_names())
        lockdown.install_seccomp()
        lockdown.install_audit_hook()

    def probe(self) -> dict:
        return lockdown.probe(self.torch, self.families, self.banned, self.known_ops)

    # -- loading -------------------------------------------------------------------------------
    def load(self, source: str) -> dict:
        self.seed_random_numbers()
        module = types.ModuleType("entrega")
        module.__file__ = SUBMISSION_FILE
        sys.modules["entrega"] = module  # dataclasses & co. look classes' modules up here
        self.namespace = module.__dict__
        before = set(self.namespace)
        linecache.cache[SUBMISSION_FILE] = (len(source), None, source.splitlines(True), SUBMISSION_FILE)
        try:
            code = compile(source, SUBMISSION_FILE, "exec", dont_inherit=True)
            exec(code, self.namespace)
        except SyntaxError as exc:
            return {"loaded": False, "error": N_("SyntaxError: {message} (line {line})"),
                    "error_params": {"message": str(exc.msg), "line": exc.lineno or 0},
                    "traceback": _cap(f"  File \"{SUBMISSION_FILE}\", line {exc.lineno}\n    {(exc.text or '').rstrip()}\n"
                                      f"SyntaxError: {exc.msg}", MAX_TRACEBACK_CHARS),
                    "defined": ()}
        except Exception as exc:
            return {"loaded": False, "error": _last_line(exc), "traceback": student_traceback(exc),
                    "defined": self._defined(before)}
        return {"loaded": True, "error": None, "traceback": "", "defined": self._defined(before)}

    def seed_random_numbers(self) -> None:
        """Every generator the submission's code may draw from, at :data:`STUDENT_SEED`."""
        self.torch.manual_seed(STUDENT_SEED)  # CUDA's generators too, once CUDA is in use
        random.seed(STUDENT_SEED)
        import numpy  # already loaded: the protocol's arrays are numpy's

        numpy.random.seed(STUDENT_SEED)

    def _defined(self, before) -> tuple:
        return tuple(name for name, value in self.namespace.items()
                     if name not in before and not name.startswith("__") and not isinstance(value, types.ModuleType))

    # -- values in and out ---------------------------------------------------------------------
    def to_worker(self, value):
        """Protocol values -> what the student's code receives (tensors, modules, dtypes)."""
        torch = self.torch
        if isinstance(value, protocol.RawHandle):
            if value.id not in self.objects:
                raise StudentFailure("RuntimeError", N_("handle {id} unknown in this process"), params={"id": value.id})
            return self.objects[value.id]
        if isinstance(value, protocol.DType):
            return getattr(torch, value.name)
        if isinstance(value, tuple):
            return tuple(self.to_worker(v) for v in value)
        if isinstance(value, dict):
            return {k: self.to_worker(v) for k, v in value.items()}
        if isinstance(value, protocol.np.ndarray):
            return torch.from_numpy(value).to(self.device)
        if isinstance(value, protocol.StridedArray):  # validated when decoded; the same layout as sent
            base = torch.from_numpy(value.base).to(self.device)
            return base.as_strided(value.shape, value.strides, value.offset)
        return value

    def to_wire(self, value):
        """Packer hook: tensors -> numpy, modules -> handles, anything else odd -> Opaque."""
        torch = self.torch
        if isinstance(value, torch.Tensor):
            return tensor_to_array(torch, value)
        if isinstance(value, torch.nn.Module):
            return self.register(value)
        if isinstance(value, torch.dtype):
            name = str(value).removeprefix("torch.")
            return protocol.DType(name) if name in protocol.ALLOWED_DTYPES else protocol.Opaque("torch.dtype", str(value))
        if value is None or isinstance(value, (bool, int, float, str, tuple, list, dict)):
            return value
        if type(value).__module__ == "numpy":
            return value
        return protocol.Opaque(type(value).__name__, _safe_repr(value))

    def register(self, obj) -> protocol.RawHandle:
        key = id(obj)
        if key not in self.handle_of:
            handle_id = len(self.objects) + 1
            self.objects[handle_id] = obj
            self.handle_of[key] = handle_id
        return protocol.RawHandle(self.handle_of[key], type(obj).__name__)

    # -- calls ---------------------------------------------------------------------------------
    def call(self, target, args: tuple, kwargs: dict, grad_output, grad_wrt: tuple, module=None) -> dict:
        torch = self.torch
        args = list(args)
        positions = [i for i in grad_wrt if isinstance(i, int)]
        for index in positions:
            if not (0 <= index < len(args)) or not isinstance(args[index], torch.Tensor):
                raise StudentFailure("TypeError", N_("grad_wrt: argument {index} is not a tensor"), params={"index": index})
            args[index] = args[index].detach().requires_grad_(True)
        params = dict(module.named_parameters()) if module is not None and "params" in grad_wrt else {}

        recorder = self.recorder_class()
        self.thread_seen.clear()  # what threads dispatch from now on counts for this call
        started = time.perf_counter()
        try:
            with recorder:
                value = target(*args, **kwargs)
        except Exception as exc:
            raise StudentFailure(type(exc).__name__, _message(exc), student_traceback(exc)) from None
        finally:
            seconds = time.perf_counter() - started
            _flush_output()

        grads = {}
        if grad_output is not None:
            outputs = value if isinstance(value, (tuple, list)) else (value,)
            wanted = grad_output if isinstance(grad_output, tuple) else (grad_output,)
            pairs = [(o, g) for o, g in zip(outputs, wanted) if isinstance(o, torch.Tensor) and g is not None]
            # Only the gradients asked for: autograd.grad skips what nobody reads (a ResNet-18's
            # 11 M parameter gradients when only x's was asked for) and leaves every .grad alone.
            # Frozen parameters have none.
            asked = {**{index: args[index] for index in positions}, **{f"param:{n}": p for n, p in params.items()}}
            wanted_inputs = {key: tensor for key, tensor in asked.items() if tensor.requires_grad}
            try:
                if wanted_inputs:
                    found = torch.autograd.grad([o for o, _ in pairs], list(wanted_inputs.values()),
                                                [g.to(dtype=o.dtype) for o, g in pairs], allow_unused=True)
                else:
                    torch.autograd.backward([o for o, _ in pairs], [g.to(dtype=o.dtype) for o, g in pairs])
                    found = ()
            except Exception as exc:
                raise StudentFailure(type(exc).__name__, _message(exc), student_traceback(exc)) from None
            grads = dict.fromkeys(asked)
            grads.update(zip(wanted_inputs, found))
        ops = recorder.ops | {str(op) for op in list(self.thread_seen.values())}
        return {"value": value, "info": describe_value(torch, value), "ops": tuple(sorted(ops)),
                "grads": grads, "seconds": seconds}

    def call_name(self, name: str, args, kwargs, grad_output, grad_wrt, weights_follow=None) -> dict:
        if name not in self.namespace or name.startswith("__"):
            raise StudentFailure("NameError", N_("your code does not define {name!r}"), params={"name": name})
        target = self.namespace[name]
        if weights_follow is not None:
            target = built_for_loading(self.torch, target, weights_follow)
        return self.call(target, args, kwargs, grad_output, grad_wrt)

    def call_method(self, handle, method: str, args, kwargs, grad_output, grad_wrt) -> dict:
        obj = self.to_worker(handle)
        if method.startswith("_") and method != "__call__":
            raise StudentFailure("AttributeError", N_("method not allowed: {method!r}"), params={"method": method})
        target = obj if method in ("__call__",) else getattr(obj, method, None)
        if target is None:
            raise StudentFailure("AttributeError", N_("{type} has no method {method!r}"),
                                 params={"type": type(obj).__name__, "method": method})
        module = obj if isinstance(obj, self.torch.nn.Module) else None
        result = self.call(target, args, kwargs, grad_output, grad_wrt, module=module)
        if method == "load_state_dict" and hasattr(result["value"], "missing_keys"):
            keys = result["value"]
            result["value"] = {"missing_keys": tuple(keys.missing_keys), "unexpected_keys": tuple(keys.unexpected_keys)}
            result["info"] = {"type": "dict"}
        return result

    def describe(self, handle) -> dict:
        module = self.to_worker(handle)
        if not isinstance(module, self.torch.nn.Module):
            return {"type": type(module).__name__, "parameters": {}, "buffers": {}, "modules": {}}
        return {
            "type": type(module).__name__,
            "parameters": {name: tuple(p.shape) for name, p in module.named_parameters()},
            "buffers": {name: tuple(b.shape) for name, b in module.named_buffers()},
            "modules": {name: type(m).__name__ for name, m in module.named_modules() if name},
        }


#: The dtypes a constructor may be run in for ``weights_follow`` (see :func:`built_for_loading`).
BUILD_DTYPES = ("float32", "float64")
#: torch.nn.init's fills: what the layers' reset_parameters (and a student's own init code) call.
INIT_FILLS = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
              "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")


def built_for_loading(torch, constructor, dtype_name: str):
    """``constructor`` run for a module whose every parameter and buffer the trusted side loads
    right after (the request's ``weights_follow``): in the default dtype they will be loaded in, so
    no conversion follows, and with torch.nn.init's fills doing nothing, as nothing reads those
    values before the load overwrites them (a name or shape that differs fails before any load).

    Only the build's time changes: a float64 ResNet-18 drew 11 M float32 weights, then converted
    them, before the load replaced them. Run in the worker, so the student's code may undo either
    setting; that only makes its own build slower.
    """
    if dtype_name not in BUILD_DTYPES:
        raise ValueError(f"weights_follow: {dtype_name!r} is not one of {BUILD_DTYPES}")
    dtype = getattr(torch, dtype_name)

    def build(*args, **kwargs):
        init = torch.nn.init
        saved_fills = {name: getattr(init, name) for name in INIT_FILLS if hasattr(init, name)}
        saved_dtype = torch.get_default_dtype()
        torch.set_default_dtype(dtype)
        for name in saved_fills:
            setattr(init, name, _unchanged)
        try:
            return constructor(*args, **kwargs)
        finally:
            for name, fill in saved_fills.items():
                setattr(init, name, fill)
            torch.set_default_dtype(saved_dtype)

    return build


def _unchanged(tensor, *args, **kwargs):
    return tensor


def tensor_to_array(torch, tensor):
    """A plain CPU numpy copy of a tensor's values, whatever subclass or view it is."""
    with torch._C.DisableTorchFunctionSubclass():
        plain = torch.Tensor.as_subclass(tensor, torch.Tensor).detach()
        if plain.is_sparse:
            plain = plain.to_dense()
        plain = plain.resolve_conj().resolve_neg().to("cpu")
        if plain.dtype == torch.bfloat16:
            plain = plain.to(torch.float32)
        return plain.contiguous().numpy()  # encoded right away: no need for a private copy


def describe_value(torch, value) -> dict:
    """What the returned object was: for tensors its device and dtype (arrays lose both)."""
    if isinstance(value, torch.Tensor):
        return {"type": f"{type(value).__module__}.{type(value).__qualname__}",
                "device": str(value.device), "dtype": str(value.dtype), "requires_grad": bool(value.requires_grad)}
    if isinstance(value, (tuple, list)):
        return {"type": type(value).__name__, "items": tuple(describe_value(torch, v) for v in value[:64])}
    return {"type": type(value).__name__}


# ---------------------------------------------------------------------------------------------
# Student tracebacks: only the frames of the submission
# ---------------------------------------------------------------------------------------------


def student_traceback(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == SUBMISSION_FILE]
    lines = traceback.format_list(frames) + [_last_line(exc)]
    return _cap("".join(lines), MAX_TRACEBACK_CHARS, keep_end=True)


def _last_line(exc: BaseException) -> str:
    message = _message(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _message(exc: BaseException) -> str:
    try:
        return _cap(str(exc), MAX_MESSAGE_CHARS)
    except Exception:
        return f"<{type(exc).__name__}: unreadable message>"


def _detail(exc: BaseException) -> dict:
    """A protocol error's catalog id and fields as plain text (protocol.py), for the trusted side to
    show in the course's language in place of ``{error}``; {} for any other exception."""
    try:
        message_id, params = getattr(exc, "message_id", None), getattr(exc, "params", None)
        if type(message_id) is str and type(params) is dict:
            return {"message": message_id[:200], "params": {str(k)[:40]: str(v)[:200] for k, v in params.items()}}
    except Exception:
        pass
    return {}


def _safe_repr(value) -> str:
    try:
        return _cap(repr(value), 200)
    except Exception:
        return f"<{type(value).__name__}>"


def _cap(text: str, limit: int, keep_end: bool = False) -> str:
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if keep_end else text[:limit] + "…"


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------
# The request loop
# ---------------------------------------------------------------------------------------------


def serve(in_fd: int, out_fd: int, session: Session) -> None:
    while True:
        try:
            header, buffers = protocol.read_message(in_fd)
        except protocol.PeerClosed:
            return
        nonce = header.pop("nonce", None)
        request = {k: protocol.unpack(v, buffers, layouts=True, kept=session.kept) for k, v in header.items() if k != "op"}
        try:
            reply = {"ok": True, **handle_request(session, header.get("op"), request)}
        except StudentFailure as failure:
            reply = {"ok": False, "error": {"type": failure.exc_type, "message": failure.message,
                                            "traceback": failure.tb, "params": failure.params}}
        except Exception as exc:  # a request this submission cannot serve (e.g. grads of an int tensor)
            detail = _detail(exc)  # a protocol error: its catalog id and fields
            reply = {"ok": False, "error": {"type": type(exc).__name__, "message": detail.get("message") or _message(exc),
                                            "params": detail.get("params", {}), "traceback": ""}}
        try:
            reply_header, reply_buffers = protocol.pack(reply, array_hook=session.to_wire)
        except Exception as exc:  # e.g. a complex tensor: the student's value cannot travel
            reply_header, reply_buffers = protocol.pack({"ok": False, "error": {
                "type": "TypeError", "message": N_("unsupported return value: {error}"), "params": {"error": _message(exc)},
                "detail": _detail(exc), "traceback": ""}})
        reply_header["nonce"] = nonce
        refused = lockdown.take_refusals()
        if refused:  # banned kernels this request reached, even from a thread that swallowed the error
            reply_header["refused"] = {"$tuple": refused[:20]}
        protocol.write_message(out_fd, reply_header, reply_buffers)


def handle_request(session: Session, op: str, request: dict) -> dict:
    if op == "load":
        return session.load(request["source"])
    if op == "describe":
        return {"value": session.describe(request["handle"])}
    if op == "probe":
        return {"value": session.probe()}
    args = session.to_worker(request.get("args", ()))
    kwargs = session.to_worker(request.get("kwargs") or {})
    grad_output = session.to_worker(request.get("grad_output"))
    grad_wrt = tuple(request.get("grad_wrt", ()))
    if op == "call":
        return session.call_name(request["name"], args, kwargs, grad_output, grad_wrt, request.get("weights_follow"))
    if op == "method":
        return session.call_method(request["handle"], request["method"], args, kwargs, grad_output, grad_wrt)
    raise StudentFailure("RuntimeError", N_("unknown operation: {op!r}"), params={"op": str(op)})


def parse_args(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--in-fd", type=int, required=True)
    parser.add_argument("--out-fd", type=int, required=True)
    parser.add_argument("--config", required=True)
    return parser.parse_args(argv)


def prepare(device: str):
    """What every worker does before it knows its submission: torch, its settings, the recorder.
    A template (template.py) runs this once and forks workers from its state."""
    torch = configure_torch(device)
    # autograd's first call with grad_outputs imports this module (and sympy with it): 0.4 s that
    # would otherwise land in the first gradient check of every submission.
    import torch.fx.experimental.symbolic_shapes  # noqa: F401
    if device == "cuda":  # the driver starts its threads and maps its memory before the lockdown
        torch.zeros(1, device="cuda").sum().item()
    return torch, make_op_recorder(torch)


def run(in_fd: int, out_fd: int, config: dict, torch, recorder_class, ban_plan=None) -> int:
    """Lock down, say ready, serve: the worker's life once torch is imported."""
    device = config.get("device", "cpu")
    session = Session(torch, recorder_class, device)
    # Only the protocol pipes matter from here on; the student's code must not read requests.
    sys.stdin = open(os.devnull)
    session.lock_down(config.get("ban", ()), ban_plan)
    protocol.write_message(out_fd, *protocol.pack({"ready": True, "pid": os.getpid(),
                                                   "banned": len(session.banned)}))
    serve(in_fd, out_fd, session)
    return 0


def main(argv=None) -> int:
    options = parse_args(argv)
    config = json.loads(options.config)
    device = config.get("device", "cpu")

    if config.get("parent_pid"):
        die_with_parent(config["parent_pid"])
    apply_limits(config["limits"], device)
    if device == "cuda":
        start_rss_watchdog(config["limits"]["memory_mb"])
    torch, recorder_class = prepare(device)
    return run(options.in_fd, options.out_fd, config, torch, recorder_class)


if __name__ == "__main__":
    sys.exit(main())
