"""The worker's lockdown, applied after torch is imported and before the submission's code loads.

Three layers, each out of reach of the Python code that runs afterwards:

1. **The ban, in torch's dispatcher.** For an assignment that asks students to write a
   convolution or a pooling, every registered operator of any namespace (``aten``, ``mkldnn``,
   ``quantized``, ``onednn``...) whose name or schema is one (:func:`banned_overloads`) gets a
   kernel that raises, on every dispatch key that had a kernel: ``F.conv2d``, ``nn.MaxPool2d``,
   ``torch.ops.mkldnn._convolution_pointwise``, a thread, a ``fork()`` child, a tensor subclass
   that computes later: all reach the raising kernel, whose message carries :data:`BAN_MARKER`.
   The registration objects are leaked on purpose (one extra reference, then no Python name
   holds them): nothing in Python can find them to ``reset()`` them. torch's own Python
   decompositions of those operators (``torch._decomp``) are replaced by the same refusal.
2. **A permanent audit hook** (:func:`install_audit_hook`): no ctypes, no walking the heap with
   ``gc``, no new processes or programs, no tracing hooks, no hand-made code objects, no
   sockets, no ``/proc/*/mem``. A refusal's message carries :data:`REFUSED_MARKER`.
3. **A seccomp filter** (:func:`install_seccomp`), enforced by the kernel for the process and
   every thread: no new namespaces, no ptrace, no ``process_vm_*``, bpf, perf, keyrings,
   io_uring, userfaultfd, mounts, kexec, modules, no ``execve`` and no fork (threads only).

What stays possible for a determined attacker is native-level: numpy's ``__array_interface__``
and ``as_strided`` reach raw memory from pure Python, so the dispatcher's tables can in principle
be rewritten; the trusted side's probes (:func:`probe`) catch the ban going missing unless the
attacker also forges the worker's replies. This module imports only the standard library (and
torch, handed in): the worker loads it inside the sandbox as a plain script file.
"""
from __future__ import annotations

import os
import platform
import re
import struct
import sys
import warnings

#: Starts the message of every refused call into a banned kernel; the trusted side looks for it.
BAN_MARKER = "[autograder:banned_op]"
#: Starts the message of every operation the audit hook refused.
REFUSED_MARKER = "[autograder:refused]"

#: Families of operators an assignment may ban, by the pattern their names match.
FAMILY_PATTERNS = {
    "convolution": re.compile(r"conv(?!ert)"),   # not convert_element_type & co.
    "pooling": re.compile(r"pool"),
}
#: Operators that match a family but stay allowed, and why.
ALLOWED_OPS = {
    "aten::im2col": "F.unfold: the sliding windows the reference solutions themselves use",
    "aten::col2im": "F.fold: the adjoint of F.unfold (its gradient)",
    "inductor::_alloc_from_pool": "a memory allocator of the compiler: computes nothing",
}
#: Schema argument names that make an operator a convolution or a pooling whatever its name.
SCHEMA_SIGNATURES = {
    "convolution": ({"weight", "stride", "padding"}, {"W", "stride", "padding"}),
    "pooling": ({"kernel_size", "stride"},),
}
#: Dispatch keys left alone: a meta kernel computes shapes, never values.
KEPT_KEYS = {"Meta"}



def N_(message: str) -> str:
    """Marks a message id of the student catalog (autograder/i18n.py). This file runs alone in the
    sandbox: its sentences are English ids after a marker, put in the course's language on the
    trusted side (autograder/sandbox/client.py, from the catalog, never from the worker's text)."""
    return message


#: The sentences that follow BAN_MARKER / REFUSED_MARKER in an exception's message.
BAN_TEXT = N_("{op} is not allowed in this assignment: it is PyTorch's implementation of what you are "
              "asked to program. Write it with tensor operations (F.pad, F.unfold, sums, products).")
REFUSED_TEXTS = (N_("operation not allowed in the grader: {event}"),
                 N_("opening the process memory is not allowed ({path})"),
                 N_("importing {module} is not allowed in the grader"))
_BAN_MESSAGE = BAN_MARKER + " " + BAN_TEXT


# ---------------------------------------------------------------------------------------------
# 1. The ban in the dispatcher
# ---------------------------------------------------------------------------------------------


def _base_name(qualified: str) -> tuple[str, str, str]:
    """``"aten::conv2d.padding"`` -> ``("aten", "conv2d", "padding")``."""
    namespace, _, rest = qualified.partition("::")
    name, _, overload = rest.partition(".")
    return namespace, name, overload


def banned_overloads(torch, families, schemas=None) -> list[str]:
    """Every registered overload (``"ns::name.overload"``) of the ``families`` to ban.

    Matched by name (``conv``/``pool`` anywhere in the operator's name, any namespace) or by
    schema (weight + stride + padding; kernel_size + stride), minus :data:`ALLOWED_OPS`.
    """
    families = [f for f in families if f in FAMILY_PATTERNS]
    if not families:
        return []
    by_schema = set()
    every = set(torch._C._dispatch_get_all_op_names())
    for schema in schemas if schemas is not None else torch._C._jit_get_all_schemas():
        qualified = schema.name + (f".{schema.overload_name}" if schema.overload_name else "")
        arguments = {a.name for a in schema.arguments}
        if any(sig <= arguments for f in families for sig in SCHEMA_SIGNATURES[f]):
            by_schema.add(qualified)
        every.add(qualified)  # TorchScript-only operators too (prim::mkldnn_convolution computes one)
    banned = []
    for qualified in every:
        namespace, name, _ = _base_name(qualified)
        if f"{namespace}::{name}" in ALLOWED_OPS:
            continue
        if qualified in by_schema or any(FAMILY_PATTERNS[f].search(name) for f in families):
            banned.append(qualified)
    return sorted(banned)


def _dispatch_keys(torch) -> list[str]:
    """The dispatch keys this build of torch can name (some enum members cannot be parsed)."""
    keys = []
    for key in dir(torch._C.DispatchKey):
        if key.startswith("_") or key in ("name", "value", "Undefined") or key.startswith(("Start", "EndOf")):
            continue
        try:
            torch._C._dispatch_has_kernel_for_dispatch_key("aten::add.Tensor", key)
        except RuntimeError:
            continue
        keys.append(key)
    return keys


#: Operators refused since the last reply (the worker reports and clears them, see take_refusals):
#: a refusal inside a thread the student's code swallowed is still seen. A signal only; the
#: refusal itself does not depend on it.
_REFUSALS: list[str] = []


def take_refusals() -> list[str]:
    """The operators refused since the last call, once each (and forget them)."""
    found = sorted(set(_REFUSALS))
    _REFUSALS.clear()
    return found


def _refusal(op: str):
    """A kernel that refuses ``op``. Made here so that no module-level name leads to it."""
    message = _BAN_MESSAGE.format(op=op)
    refusals = _REFUSALS

    def refuse(*args, **kwargs):
        if len(refusals) < 1000:
            refusals.append(op)
        raise RuntimeError(message)

    return refuse


def ban_plan(torch, families) -> dict:
    """What :func:`install_ban` registers for ``families``, without registering it: the overloads,
    the dispatch keys of each, the TorchScript-only schemas. The registry scan costs about a
    second; a template computes it once and each forked worker only registers it."""
    schemas = torch._C._jit_get_all_schemas()
    banned = banned_overloads(torch, families, schemas)
    if not banned:
        return {"banned": [], "keys_of": {}, "script_only": {}}
    wanted = set(banned)
    keys_of: dict[str, list[str]] = {}
    for key in _dispatch_keys(torch):
        if key in KEPT_KEYS:
            continue
        for qualified in torch._C._dispatch_get_registrations_for_dispatch_key(key):
            if qualified in wanted:
                keys_of.setdefault(qualified, []).append(key)
    in_dispatcher = set(torch._C._dispatch_get_all_op_names())
    script_only = {qualified: str(schema) for schema in schemas
                   if (qualified := schema.name + (f".{schema.overload_name}" if schema.overload_name else ""))
                   in wanted and qualified not in in_dispatcher}
    return {"banned": banned, "keys_of": keys_of, "script_only": script_only}


def install_ban(torch, families, plan: dict | None = None) -> list[str]:
    """Replace the kernels of every banned overload by a refusal (see module doc); the list.
    ``plan``: :func:`ban_plan` of the same ``families`` in this same torch (a template's)."""
    if plan is None:
        plan = ban_plan(torch, families)
    banned, keys_of, script_only = plan["banned"], plan["keys_of"], plan["script_only"]
    if not banned:
        return []
    wanted = set(banned)
    libraries = {}
    with warnings.catch_warnings():  # "Overriding a previously registered kernel": exactly the point
        warnings.simplefilter("ignore")
        for qualified in banned:
            namespace, name, overload = _base_name(qualified)
            refuse = _refusal(f"{namespace}::{name}")
            keys = keys_of.get(qualified, ())
            if qualified in script_only:
                # A TorchScript-only operator runs outside the dispatcher: a dispatcher operator of the
                # same name and schema shadows it for torch.ops and torch._C._jit_get_operation.
                key = ("FRAGMENT", namespace)
                if key not in libraries:
                    libraries[key] = torch._C._dispatch_library("FRAGMENT", namespace, "")
                libraries[key].define(script_only[qualified].split("::", 1)[1])
                keys = ("CompositeImplicitAutograd",)
                library = libraries[key]
            else:
                if namespace not in libraries:
                    libraries[namespace] = torch._C._dispatch_library("IMPL", namespace, "")
                library = libraries[namespace]
            for key in keys:
                library.impl(f"{name}.{overload}" if overload else name, key, refuse)
    _leak(list(libraries.values()))
    libraries.clear()
    _purge_python_implementations(torch, wanted)
    return banned


def _leak(objects: list) -> None:
    """Keep ``objects`` alive forever with no Python reference to them (they are not gc-tracked).

    A ``_DispatchModule`` unregisters its kernels when it is destroyed and has ``.reset()``; an
    extra reference count, and then dropping every name, leaves it alive and unreachable.
    """
    import ctypes

    for obj in objects:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))
    objects.clear()


def _purge_python_implementations(torch, banned: set[str]) -> None:
    """torch's Python decompositions of banned ops (``torch._decomp.decompositions.max_pool2d_with_indices``
    computes a max-pool from allowed ops): drop them from the tables, replace the module names."""
    doomed: dict[int, str] = {}
    tables = []
    decomp = sys.modules.get("torch._decomp")
    if decomp is not None:
        tables += list(getattr(decomp, "global_decomposition_table", {}).values())
        tables += [getattr(decomp, "decomposition_table", {}), getattr(decomp, "meta_table", {})]
    for table in tables:
        for op in list(table):
            qualified = _overload_name(op)
            if qualified in banned:
                function = table.pop(op)
                while function is not None and id(function) not in doomed:
                    doomed[id(function)] = qualified
                    function = getattr(function, "__wrapped__", None)
    for op in _resolved_overloads(torch, banned):  # Python kernels (py_impl) on the banned overloads
        for kernels in (getattr(op, "py_kernels", None), getattr(op, "_dispatch_cache", None)):
            if isinstance(kernels, dict):
                kernels.clear()
    for name, module in list(sys.modules.items()):
        if not name.startswith(_DECOMPOSITION_MODULES) or module is None:
            continue
        namespace = getattr(module, "__dict__", {})
        for attribute, value in list(namespace.items()):
            if id(value) in doomed and callable(value):
                namespace[attribute] = _refusal(doomed[id(value)])


#: Where torch keeps Python implementations of operators (decompositions, references, prims).
_DECOMPOSITION_MODULES = ("torch._decomp", "torch._refs", "torch._prims", "torch._meta_registrations",
                          "torch._functorch", "torch._subclasses", "torch._inductor", "torch.nn.functional")


def _overload_name(op) -> str | None:
    schema = getattr(op, "_schema", None)
    if schema is None:
        return None
    return schema.name + (f".{schema.overload_name}" if schema.overload_name else "")


def _resolved_overloads(torch, banned: set[str]):
    """The banned OpOverloads Python already made (only those can carry Python kernels by now)."""
    for namespace in {_base_name(q)[0] for q in banned}:
        packets = getattr(torch.ops, "__dict__", {}).get(namespace)
        for packet in list(getattr(packets, "__dict__", {}).values()):
            for op in list(getattr(packet, "__dict__", {}).values()):
                if _overload_name(op) in banned:
                    yield op


# ---------------------------------------------------------------------------------------------
# 2. The audit hook
# ---------------------------------------------------------------------------------------------

#: Audit events refused outright (exact names), and prefixes refused (every ctypes event).
REFUSED_EVENTS = frozenset({
    "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.fork", "os.forkpty", "subprocess.Popen",
    "pty.spawn", "sys.settrace", "sys.setprofile", "code.__new__", "socket.__new__", "socket.socketpair",
})
REFUSED_PREFIXES = ("ctypes.",)
#: Modules whose import (after the lockdown) is refused: native-code doors and torch's compiler,
#: which carries Python implementations of pooling and convolution gradients.
REFUSED_IMPORTS = ("_testcapi", "_testinternalcapi", "_testbuffer", "_ctypes_test", "cffi", "_cffi_backend",
                   "torch._inductor")
_MEMORY_FILES = re.compile(r"(^|/)(mem|pagemap|kcore|kmem)$")


class RefusedOperation(PermissionError):
    """Raised by the audit hook: an OSError, as the kernel's own EPERM would be, so code that
    already copes with an unavailable resource (no network, no processes) carries on."""


def install_audit_hook() -> None:
    """Install the permanent audit hook (see module doc); Python cannot remove it."""
    refused_events, refused_prefixes, refused_imports = REFUSED_EVENTS, REFUSED_PREFIXES, REFUSED_IMPORTS
    memory_files, marker, error = _MEMORY_FILES, REFUSED_MARKER, RefusedOperation
    refused_event, refused_memory, refused_import = REFUSED_TEXTS

    def hook(event, args):
        if event in refused_events or event.startswith(refused_prefixes):
            raise error(f"{marker} " + refused_event.format(event=event))
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            path = args[0].decode("utf-8", "replace") if isinstance(args[0], bytes) else args[0]
            if memory_files.search(path.rstrip("/")):
                raise error(f"{marker} " + refused_memory.format(path=path[:80]))
        elif event == "import" and args and isinstance(args[0], str):
            if any(args[0] == name or args[0].startswith(name + ".") for name in refused_imports):
                raise error(f"{marker} " + refused_import.format(module=args[0]))

    sys.addaudithook(hook)


# ---------------------------------------------------------------------------------------------
# 3. The seccomp filter
# ---------------------------------------------------------------------------------------------

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
#: Denied with EPERM, per architecture (x86_64 / asm-generic numbers).
DENIED_SYSCALLS = {
    "x86_64": {
        "unshare": 272, "setns": 308, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
        "bpf": 321, "perf_event_open": 298, "keyctl": 250, "add_key": 248, "request_key": 249,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "userfaultfd": 323,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "execve": 59, "execveat": 322, "fork": 57, "vfork": 58,
        "pidfd_getfd": 438, "name_to_handle_at": 303, "open_by_handle_at": 304,
    },
    "aarch64": {
        "unshare": 97, "setns": 268, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        "bpf": 280, "perf_event_open": 241, "keyctl": 219, "add_key": 217, "request_key": 218,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "userfaultfd": 282,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "kexec_load": 104, "kexec_file_load": 294, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "execve": 221, "execveat": 281,
        "pidfd_getfd": 438, "name_to_handle_at": 264, "open_by_handle_at": 265,
    },
}
CLONE = {"x86_64": 56, "aarch64": 220}
CLONE3 = 435
SECCOMP_SYSCALL = {"x86_64": 317, "aarch64": 277}
CLONE_THREAD = 0x00010000
#: CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME
CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80
X32_SYSCALL_BIT = 0x40000000

_RET_ALLOW, _RET_KILL_PROCESS = 0x7FFF0000, 0x80000000
_RET_ERRNO = 0x00050000
_EPERM, _ENOSYS = 1, 38
_LD_ABS_W, _JEQ, _JGE, _JSET, _JA, _RET = 0x20, 0x15, 0x35, 0x45, 0x05, 0x06
_NR, _ARCH, _ARG0_LOW = 0, 4, 16
_INSTRUCTION = struct.Struct("=HBBI")


def seccomp_program() -> bytes:
    """The BPF program (classic BPF, ``struct sock_filter[]``) for every architecture we know.

    An unknown architecture (including 32-bit calls from a 64-bit process) kills the process.
    """
    blocks = {arch: _arch_block(arch) for arch in AUDIT_ARCH}
    head: list[tuple] = [(_LD_ABS_W, 0, 0, _ARCH)]
    # Dispatch: for each arch, "jeq arch ? next : skip 1" then "ja <its block>".
    archs = list(AUDIT_ARCH)
    dispatch_len = 2 * len(archs) + 1
    offset = 0
    for index, arch in enumerate(archs):
        head.append((_JEQ, 0, 1, AUDIT_ARCH[arch]))
        remaining = dispatch_len - (2 * index + 2)  # instructions after this ja up to the blocks
        head.append((_JA, 0, 0, remaining + offset))
        offset += len(blocks[arch])
    head.append((_RET, 0, 0, _RET_KILL_PROCESS))
    program = head + [instruction for arch in archs for instruction in blocks[arch]]
    return b"".join(_INSTRUCTION.pack(*instruction) for instruction in program)


def _arch_block(arch: str) -> list[tuple]:
    deny = (_RET, 0, 0, _RET_ERRNO | _EPERM)
    block = [(_LD_ABS_W, 0, 0, _NR)]
    if arch == "x86_64":  # the x32 ABI numbers: a classic way around a filter of x86_64 numbers
        block += [(_JGE, 0, 1, X32_SYSCALL_BIT), deny]
    for number in sorted(set(DENIED_SYSCALLS[arch].values())):
        block += [(_JEQ, 0, 1, number), deny]
    block += [(_JEQ, 0, 1, CLONE3), (_RET, 0, 0, _RET_ERRNO | _ENOSYS)]  # glibc falls back to clone
    block += [(_JEQ, 1, 0, CLONE[arch]), (_RET, 0, 0, _RET_ALLOW)]
    # clone: no namespace flags, and only threads (CLONE_THREAD): no fork-like children.
    block += [(_LD_ABS_W, 0, 0, _ARG0_LOW), (_JSET, 0, 1, CLONE_NEW_ANY), deny,
              (_JSET, 0, 1, CLONE_THREAD), (_RET, 0, 0, _RET_ALLOW), deny]
    return block


def install_seccomp() -> None:
    """Set no_new_privs and install :func:`seccomp_program` on every thread (TSYNC).

    Raises OSError when the kernel refuses, and RuntimeError on an architecture we have no
    numbers for (fail closed: the worker then does not start).
    """
    import ctypes

    arch = platform.machine()
    if arch not in AUDIT_ARCH:
        raise RuntimeError(f"seccomp: arquitectura desconocida {arch!r}")
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs = 38
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    code = seccomp_program()

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(code, len(code))
    prog = SockFprog(len(code) // _INSTRUCTION.size, ctypes.cast(buffer, ctypes.c_void_p))
    seccomp_set_mode_filter, tsync = 1, 1
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(SECCOMP_SYSCALL[arch]), ctypes.c_long(seccomp_set_mode_filter),
                          ctypes.c_long(tsync), ctypes.byref(prog))
    if result != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)")


def process_status(pid: int | str = "self") -> dict[str, str]:
    """``Seccomp``, ``NoNewPrivs`` and ``Seccomp_filters`` of a process, from /proc/<pid>/status."""
    wanted = {"Seccomp", "NoNewPrivs", "Seccomp_filters"}
    found = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in wanted:
                    found[key] = value.strip()
    except OSError:
        pass
    return found


# ---------------------------------------------------------------------------------------------
# The probe: is the ban still in place?
# ---------------------------------------------------------------------------------------------


def probe(torch, families, banned, known_ops: int) -> dict:
    """Call torch's genuine convolution and pooling; each must refuse with :data:`BAN_MARKER`.

    Returns ``{"computed": [names that returned a value], "new_ops": [conv/pool operators
    registered since the lockdown (``banned`` lists those of the lockdown)], "pid": os.getpid()}``.
    """
    functional = torch.nn.functional
    x = torch.ones(1, 1, 4, 4)
    calls = {}
    if "convolution" in families:
        calls["conv2d"] = lambda: functional.conv2d(x, torch.ones(1, 1, 2, 2))
        calls["conv_transpose2d"] = lambda: functional.conv_transpose2d(x, torch.ones(1, 1, 2, 2))
    if "pooling" in families:
        calls["max_pool2d"] = lambda: functional.max_pool2d(x, 2)
        calls["avg_pool2d"] = lambda: functional.avg_pool2d(x, 2)
    computed = []
    for name, call in calls.items():
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - only the ban's own refusal is expected
            if BAN_MARKER in str(exc):
                continue
        computed.append(name)
    names = torch._C._dispatch_get_all_op_names()
    new_ops = []
    if calls and len(names) != known_ops:
        new_ops = sorted(set(banned_overloads_from(names, families)) - set(banned))
    return {"computed": computed, "new_ops": new_ops[:20], "pid": os.getpid()}


def banned_overloads_from(names, families) -> list[str]:
    """The names among ``names`` that :func:`banned_overloads` would ban by name."""
    patterns = [FAMILY_PATTERNS[f] for f in families if f in FAMILY_PATTERNS]
    found = []
    for qualified in names:
        namespace, name, _ = _base_name(qualified)
        if f"{namespace}::{name}" not in ALLOWED_OPS and any(p.search(name) for p in patterns):
            found.append(qualified)
    return found
